using Sockway.Gateway.Configuration;
using Sockway.Gateway.Framing;
using Sockway.Gateway.Keepalive;

namespace Sockway.Gateway.Connections;

/// <summary>
/// One proxied connection, registered from the moment a slot is reserved for it (at pick time) until it ends. Its
/// whole life is here: <see cref="TunnelState"/> moves only forward, a close request is honoured whatever the state
/// (one made during the handshake runs right after the 101), every way a direction ends ends both, and the
/// pumps' end — failure included — always completes <see cref="Completion"/>, so the slot is released exactly once.
/// </summary>
public sealed class Tunnel
{
    private const string ProtocolErrorReason = "protocol error";
    private const string TooBigReason = "message too big";
    private readonly TunnelOptions _options;
    private readonly KeepaliveClock? _clock;
    private readonly TimeProvider _time;
    private int _state;
    private CloseRequest? _closeRequest;
    private int _closeStarted;
    private int _pumpsStarted;
    private int _ended;
    private readonly TaskCompletionSource _otherDirectionEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _released;
    private int _folded;
    private CancellationTokenSource? _stop;
    private long _lastActivity;

    internal Tunnel(long id, string routeId, EndpointLoad endpoint, SlotCounter routeSlots, TunnelOptions options, TimeProvider time, KeepaliveClock? clock = null)
    {
        _clock = clock;
        Id = id;
        RouteId = routeId;
        Endpoint = endpoint;
        RouteSlots = routeSlots;
        _options = options;
        _time = time;
        Started = time.GetUtcNow();
    }

    public long Id { get; }

    public string RouteId { get; }

    public string EndpointKey => Endpoint.Key;

    public DateTimeOffset Started { get; }

    internal EndpointLoad Endpoint { get; }

    /// <summary>The route's slot counter this tunnel took its slot from (the same one gives it back).</summary>
    internal SlotCounter RouteSlots { get; }

    public TunnelState State => (TunnelState)Volatile.Read(ref _state);

    /// <summary>The client side, once the upgrade was accepted.</summary>
    public TrackedStream? Client { get; private set; }

    /// <summary>The backend side, once the backend answered 101.</summary>
    public TrackedStream? Backend { get; private set; }

    public bool IsUpgraded => Client is not null && Backend is not null;

    /// <summary>False for a plain byte tunnel (an upgrade to another protocol than WebSocket, where a route allows it).</summary>
    public bool IsFramed { get; private set; } = true;

    /// <summary>True when the backend's 101 negotiated a WebSocket extension (which may use the RSV bits).</summary>
    internal bool Extensions { get; set; }

    /// <summary>Set when Sockway decided to close this tunnel and told the peers so.</summary>
    public GatewayCloseReason? ClosedBy { get; private set; }

    /// <summary>True once a close was requested or a direction ended: drains and sweeps leave it alone.</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequest) is not null || State >= TunnelState.Closing;

    /// <summary>The protocol violation that failed the tunnel (None when none), and whose frame it was.</summary>
    public FrameViolation Violation { get; private set; }

    public bool ViolationByClient { get; private set; }

    /// <summary>An unexpected failure of a pump: the tunnel was ended on both sides and the failure kept here.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>When a drain is scheduled for this tunnel (drain is cancelled if the endpoint becomes ready again).</summary>
    internal long DrainDueTicks { get; set; }

    internal GatewayCloseReason DrainReason { get; set; }

    internal bool DrainScheduled => DrainDueTicks != 0;

    /// <summary>Route's keepalive (null or off: none); applied by the keepalive sweeper. Set before the upgrade.</summary>
    public KeepaliveSettings? Keepalive { get; internal set; }

    /// <summary>Route's caps on frames and messages, each direction (null: none). Set before the upgrade.</summary>
    public MessageLimits? MessageLimits { get; internal set; }

    /// <summary>With <see cref="ClosedBy"/> DeadPeer: true when the client was the side that stopped answering.</summary>
    public bool DeadPeerWasClient { get; private set; }

    /// <summary>Route's idle timeout (null: none); applied by the idle sweeper.</summary>
    public TimeSpan? IdleTimeout { get; internal set; }

    /// <summary>True when the client's side stopped first (its stream ended or failed), false when the backend's did.</summary>
    public bool ClientEndedFirst { get; private set; }

    /// <summary>Completes (never faults) when both directions have stopped and the streams are closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Stopwatch timestamp of the last bytes moved either way.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    internal void MarkActive() => Volatile.Write(ref _lastActivity, System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>
    /// True when the client side was taken from Kestrel (see Listening/DetachableConnection): the request has
    /// finished while the tunnel lives on, so whoever ends the tunnel must release its slot.
    /// </summary>
    public bool OutlivesRequest { get; private set; }

    /// <summary>The upgrade request is going to the backend: a WebSocket one when <paramref name="framed"/>.</summary>
    internal void BeginHandshake(bool framed)
    {
        IsFramed = framed;
        Advance(TunnelState.Handshaking);
    }

    // YARP gets an empty stream on each side: its own copy loops end at once (and return their 64 KiB buffers), while
    // Sockway's pumps move the bytes for the tunnel's lifetime.
    internal Stream AttachClient(Stream stream, bool detached = false)
    {
        Client = new TrackedStream(stream, peerIsServer: false, IsFramed, Extensions, MessageLimits, KeepaliveClock);
        OutlivesRequest = detached;
        TryOpen();
        return Stream.Null;
    }

    internal Stream AttachBackend(Stream stream)
    {
        Backend = new TrackedStream(stream, peerIsServer: true, IsFramed, Extensions, MessageLimits, KeepaliveClock);
        TryOpen();
        return Stream.Null;
    }

    private KeepaliveClock? KeepaliveClock => Keepalive is { Enabled: true } ? _clock : null;

    private void TryOpen()
    {
        if (Client is not { } client || Backend is not { } backend || Interlocked.Exchange(ref _pumpsStarted, 1) != 0)
        {
            return;
        }

        MarkActive();
        // The pumps outlive the request: they must not keep its execution context (its Activity, log scopes).
        using (ExecutionContext.SuppressFlow())
        {
            Completion = PumpAsync(client, backend);
        }

        // Completion is set before the state says Open, so whoever sees Open can wait on it.
        if (Advance(TunnelState.Open) && Volatile.Read(ref _closeRequest) is { } request)
        {
            _ = CloseNowAsync(request);
        }
    }

    private async Task PumpAsync(TrackedStream client, TrackedStream backend)
    {
        // Bare sockets end a pending read when they are closed, so a detached tunnel needs no token (a cancellable
        // read registers a callback on every message). Kestrel's upgraded streams only give up a read when it is
        // cancelled, so those get one.
        using var stop = OutlivesRequest ? null : new CancellationTokenSource();
        _stop = stop;
        var token = stop?.Token ?? CancellationToken.None;
        try
        {
            await Task.WhenAll(
                TunnelPump.CopyAsync(client, backend, this, fromClient: true, token),
                TunnelPump.CopyAsync(backend, client, this, fromClient: false, token));
        }
        catch (Exception ex)
        {
            // Kept, never thrown: the tunnel is counted and released whatever happened.
            Fault ??= ex;
        }
        finally
        {
            Advance(TunnelState.Closing);
            Abort();
            await DisposeQuietlyAsync(backend);
            await DisposeQuietlyAsync(client);
        }
    }

    /// <summary>
    /// Called by each direction's pump as it stops. When either side ends, the tunnel ends: the other direction has
    /// nobody left to talk to, and a write of its own blocked on a peer that stopped reading must not hang on. First
    /// the peers hear why, where RFC 6455 lets Sockway say it: 1002 to a peer that broke the protocol (1001 to the
    /// other), and 1001 to a backend whose client vanished without a Close.
    /// </summary>
    internal async Task EndDirectionAsync(bool fromClient, FrameViolation violation)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            _otherDirectionEnded.TrySetResult();
            return;
        }

        ClientEndedFirst = fromClient;
        Advance(TunnelState.Closing);
        try
        {
            var backendGotClose = false;
            if (violation != FrameViolation.None)
            {
                Violation = violation;
                ViolationByClient = fromClient;
                var (offender, other) = fromClient ? (Client!, Backend!) : (Backend!, Client!);
                var outcomes = await Task.WhenAll(
                    offender.CloseAsync(violation.CloseCode(), violation.IsSizeLimit() ? TooBigReason : ProtocolErrorReason, _options.CloseBoundaryWait, _time),
                    other.CloseAsync(CloseFrame.GoingAway, "peer protocol error", _options.CloseBoundaryWait, _time));
                backendGotClose = fromClient && outcomes[1] == CloseOutcome.Sent;
            }
            else if (fromClient && Volatile.Read(ref _closeRequest) is null && Backend is { IsFramed: true, CloseSent: false, Outgoing.SawClose: false } backend)
            {
                // The client went without a Close: its backend hears 1001 from Sockway rather than a bare FIN.
                backendGotClose = await backend.CloseAsync(CloseFrame.GoingAway, "client went away", _options.CloseBoundaryWait, _time) == CloseOutcome.Sent;
            }

            if (backendGotClose)
            {
                // The backend is the WebSocket server: it answers the Close and ends the connection itself (RFC 6455
                // 7.1.1). Cutting it at once races its read of the Close: ASP.NET Core sees the FIN first and aborts.
                await WaitForOtherDirectionAsync();
            }
        }
        catch (Exception ex)
        {
            Fault ??= ex;
        }
        finally
        {
            if (_stop is not { } stop)
            {
                Abort();
            }
            else
            {
                try
                {
                    stop.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Both pumps are already done.
                }
            }
        }
    }

    private async Task WaitForOtherDirectionAsync()
    {
        try
        {
            await _otherDirectionEnded.Task.WaitAsync(_options.CloseReplyWait, _time);
        }
        catch (TimeoutException)
        {
            // A backend that does not end the connection is cut below, as after any unanswered Close.
        }
    }

    /// <summary>Ends both directions at once, without Close frames: for tunnels still open when the gateway stops.</summary>
    internal void Abort()
    {
        Client?.EndReads();
        Backend?.EndReads();
    }

    /// <summary>
    /// Asks for a graceful close; idempotent, and honoured whatever the state: at once when open, right after the 101
    /// when the handshake is still running, not at all once a direction ended (the tunnel is ending anyway). Each peer
    /// gets a Close frame with <paramref name="code"/> at its next frame boundary; one whose writer reaches no boundary
    /// within <see cref="TunnelOptions.CloseBoundaryWait"/> gets a clean TCP close instead, and peers that do not end
    /// the connection within <see cref="TunnelOptions.CloseReplyWait"/> after the Close are cut. A plain byte tunnel
    /// gets a clean TCP close, never a frame.
    /// </summary>
    public Task CloseAsync(ushort code, string reason, GatewayCloseReason why) => RequestClose(new CloseRequest(code, reason, why));

    /// <summary>
    /// Ends a tunnel one of whose peers stopped answering (keepalive): the other peer gets Close 1001, the dead one
    /// nothing more (writes to it are dropped) and its socket is closed when the tunnel ends.
    /// </summary>
    public Task CloseDeadPeerAsync(bool clientDead) =>
        RequestClose(new CloseRequest(CloseFrame.GoingAway, "peer not responding", GatewayCloseReason.DeadPeer, clientDead));

    private Task RequestClose(CloseRequest request)
    {
        if (Interlocked.CompareExchange(ref _closeRequest, request, null) is not null)
        {
            return Task.CompletedTask;
        }

        // Published before the state is read; TryOpen sets the state before reading the request: one of them runs it.
        return State == TunnelState.Open ? CloseNowAsync(request) : Task.CompletedTask;
    }

    private async Task CloseNowAsync(CloseRequest request)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0 || State != TunnelState.Open)
        {
            return;
        }

        var client = Client!;
        var backend = Backend!;
        try
        {
            if (!IsFramed)
            {
                ClosedBy = request.Why;
                Abort();
                return;
            }

            // Peers already exchanging their own Close keep their labels; the bounded wait below still applies.
            if (!client.Outgoing.SawClose && !backend.Outgoing.SawClose)
            {
                ClosedBy = request.Why;
                DeadPeerWasClient = request.ClientDead == true;
            }

            var wait = _options.CloseBoundaryWait;
            var outcomes = await Task.WhenAll(
                CloseSideAsync(client, request, request.ClientDead == true),
                CloseSideAsync(backend, request, request.ClientDead == false));
            if (outcomes[0] == CloseOutcome.TimedOut || outcomes[1] == CloseOutcome.TimedOut)
            {
                // A peer stuck mid-frame: the one between frames has its Close; both get a clean TCP close now.
                Abort();
                return;
            }

            if (request.ClientDead is { } clientDead)
            {
                await EndAfterCloseReplyAsync(clientDead ? client : backend);
                return;
            }

            // Peers that answer the Close end the connection themselves; ones that do not are ended for them.
            await Completion.WaitAsync(_options.CloseReplyWait, _time);
        }
        catch (TimeoutException)
        {
            Abort();
        }
        catch (Exception ex)
        {
            Fault ??= ex;
            Abort();
        }
    }

    /// <summary>
    /// After a dead peer's partner got its Close: a backend answers and ends the connection itself; a client answers
    /// (its Close, dropped on its way to the dead backend, is still seen) and waits for the server side to end it.
    /// Both sockets close then, or after <see cref="TunnelOptions.CloseReplyWait"/>.
    /// </summary>
    private async Task EndAfterCloseReplyAsync(TrackedStream dead)
    {
        var deadline = _time.GetTimestamp();
        while (!Completion.IsCompleted && !dead.Outgoing.SawClose && _time.GetElapsedTime(deadline) < _options.CloseReplyWait)
        {
            await Task.WhenAny(Completion, Task.Delay(CloseReplyPoll, _time));
        }

        Abort();
    }

    private static readonly TimeSpan CloseReplyPoll = TimeSpan.FromMilliseconds(50);

    private Task<CloseOutcome> CloseSideAsync(TrackedStream side, CloseRequest request, bool dead)
    {
        if (!dead)
        {
            return side.CloseAsync(request.Code, request.Reason, _options.CloseBoundaryWait, _time);
        }

        side.Silence();
        return Task.FromResult(CloseOutcome.AlreadyClosing);
    }

    /// <summary>Exactly once: true for the first caller, which releases the slot.</summary>
    internal bool MarkReleased()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return false;
        }

        Advance(TunnelState.Closed);
        return true;
    }

    /// <summary>Exactly once: true for the first caller, which folds this tunnel's traffic into the route totals.</summary>
    internal bool MarkFolded() => Interlocked.Exchange(ref _folded, 1) == 0;

    internal bool IsFolded => Volatile.Read(ref _folded) != 0;

    /// <summary>Moves the state forward to <paramref name="to"/>; false when it was already there or beyond.</summary>
    private bool Advance(TunnelState to)
    {
        while (true)
        {
            var current = Volatile.Read(ref _state);
            if (current >= (int)to)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, (int)to, current) == current)
            {
                return true;
            }
        }
    }

    private static async ValueTask DisposeQuietlyAsync(Stream stream)
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Closing a connection the peer already dropped.
        }
    }

    /// <param name="ClientDead">For a dead peer: which side stopped answering (null: Sockway closes a healthy tunnel).</param>
    private sealed record CloseRequest(ushort Code, string Reason, GatewayCloseReason Why, bool? ClientDead = null);
}
