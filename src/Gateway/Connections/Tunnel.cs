using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Connections;

/// <summary>Why Sockway itself closed a tunnel (null when a peer closed it).</summary>
public enum GatewayCloseReason
{
    Drain,
    Rebalance,
    Shutdown,
    IdleTimeout,
}

/// <summary>
/// One proxied connection, registered from the moment a slot is reserved for it (at pick time) until it ends.
/// Once upgraded it carries both tracked streams, which is how Sockway closes it gracefully.
/// </summary>
public sealed class Tunnel
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private int _closing;
    private int _ended;
    private CancellationTokenSource? _stop;
    private long _lastActivity;

    internal Tunnel(long id, string routeId, EndpointLoad endpoint)
    {
        Id = id;
        RouteId = routeId;
        Endpoint = endpoint;
        Started = DateTimeOffset.UtcNow;
    }

    public long Id { get; }

    public string RouteId { get; }

    public string EndpointKey => Endpoint.Key;

    public DateTimeOffset Started { get; }

    internal EndpointLoad Endpoint { get; }

    /// <summary>The client side, once the upgrade was accepted.</summary>
    public TrackedStream? Client { get; private set; }

    /// <summary>The backend side, once the backend answered 101.</summary>
    public TrackedStream? Backend { get; private set; }

    public bool IsUpgraded => Client is not null && Backend is not null;

    /// <summary>Set when Sockway decided to close this tunnel.</summary>
    public GatewayCloseReason? ClosedBy { get; private set; }

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>When a drain is scheduled for this tunnel (drain is cancelled if the endpoint becomes ready again).</summary>
    internal long DrainDueTicks { get; set; }

    internal GatewayCloseReason DrainReason { get; set; }

    internal bool DrainScheduled => DrainDueTicks != 0;

    /// <summary>Route's idle timeout (null: none); applied by the idle sweeper.</summary>
    public TimeSpan? IdleTimeout { get; internal set; }

    /// <summary>True when the client's side stopped first (its stream ended or failed), false when the backend's did.</summary>
    public bool ClientEndedFirst { get; private set; }

    /// <summary>Completes when both directions have stopped and the streams are closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Stopwatch timestamp of the last bytes moved either way.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    internal void MarkActive() => Volatile.Write(ref _lastActivity, System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>
    /// True when the client side was taken from Kestrel (see Listening/DetachableConnection): the request has
    /// finished while the tunnel lives on, so whoever ends the tunnel must release its slot.
    /// </summary>
    public bool OutlivesRequest { get; private set; }

    // YARP gets an empty stream on each side: its own copy loops end at once (and return their 64 KiB buffers), while
    // Sockway's pumps move the bytes for the tunnel's lifetime.
    internal Stream AttachClient(Stream stream, bool detached = false)
    {
        Client = new TrackedStream(stream, peerIsServer: false);
        OutlivesRequest = detached;
        return Stream.Null;
    }

    internal Stream AttachBackend(Stream stream)
    {
        Backend = new TrackedStream(stream, peerIsServer: true);
        if (Client is not null)
        {
            MarkActive();
            // The pumps outlive the request: they must not keep its execution context (its Activity, log scopes).
            using (ExecutionContext.SuppressFlow())
            {
                Completion = PumpAsync(Client, Backend);
            }
        }

        return Stream.Null;
    }

    private async Task PumpAsync(TrackedStream client, TrackedStream backend)
    {
        // Bare sockets end a pending read when they are closed, so a detached tunnel needs no token (a cancellable
        // read registers a callback on every message). Kestrel's upgraded streams only give up a read when it is
        // cancelled, so those get one.
        using var stop = OutlivesRequest ? null : new CancellationTokenSource();
        _stop = stop;
        var token = stop?.Token ?? CancellationToken.None;
        var toBackend = TunnelPump.CopyAsync(client, backend, this, fromClient: true, token);
        var toClient = TunnelPump.CopyAsync(backend, client, this, fromClient: false, token);
        await toBackend;
        await toClient;
        await backend.DisposeAsync();
        await client.DisposeAsync();
    }

    /// <summary>
    /// Called by each direction's pump as it stops. When either side ends, the tunnel ends: the other direction has
    /// nobody left to talk to, and a write of its own blocked on a peer that stopped reading must not hang on.
    /// </summary>
    internal void EndDirection(bool fromClient)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        ClientEndedFirst = fromClient;
        if (_stop is { } stop)
        {
            stop.Cancel();
        }
        else
        {
            Abort();
        }
    }

    /// <summary>Ends both directions at once, without Close frames: for tunnels still open when the gateway stops.</summary>
    internal void Abort()
    {
        Client?.EndReads();
        Backend?.EndReads();
    }

    /// <summary>
    /// Closes the tunnel gracefully: a Close frame with <paramref name="code"/> to both peers at frame boundaries,
    /// then the backend's reply (or, failing that, a grace period) ends the tunnel. Never a bare TCP reset.
    /// </summary>
    public async Task CloseAsync(ushort code, string reason, GatewayCloseReason why)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        var client = Client;
        var backend = Backend;
        if (client is null || backend is null || client.Outgoing.SawClose || backend.Outgoing.SawClose)
        {
            // Not a WebSocket yet, or its peers are already closing it themselves.
            return;
        }

        ClosedBy = why;
        await Task.WhenAll(client.SendCloseAsync(code, reason), backend.SendCloseAsync(code, reason));
        // A backend that answers the Close also ends the TCP connection; one that does not is ended for it.
        _ = Task.Delay(CloseGrace).ContinueWith(_ => backend.EndReads(), TaskScheduler.Default);
    }
}
