using System.Buffers;
using System.Net.Sockets;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Keepalive;

namespace Sockway.Gateway.Framing;

/// <summary>
/// One side of a proxied WebSocket: wraps the upgraded stream to a peer (client or backend). Bytes written to
/// the peer pass through untouched while a <see cref="FrameTracker"/> follows their frame headers, so a Close
/// frame can be injected between two frames — never inside one — and nothing is sent after it.
/// Reads are passed straight through (zero-byte reads included), so an idle tunnel costs no buffer.
/// Sockway's keepalive Pings go in the same way (at a boundary, under the same write lock), and with keepalive on,
/// Pongs written towards this peer are held back whole (at most 131 bytes) until it is known whether they answer
/// Sockway's Ping to the other peer: those are dropped, all others pass unchanged.
/// </summary>
public sealed class TrackedStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _maskInjected;
    private readonly bool _framed;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private byte[]? _pendingClose;
    private TaskCompletionSource? _closeWritten;
    private volatile bool _closeSent;
    private volatile bool _endReads;
    private byte[]? _pendingPing;
    private HeldPong? _held;
    private readonly KeepaliveClock? _clock;
    private int _heardTick;
    private int _pingTick;
    private volatile bool _pingWritten;

    /// <param name="inner">The upgraded stream to the peer.</param>
    /// <param name="peerIsServer">True for the backend side: frames a client sends to a server must be masked.</param>
    /// <param name="framed">False for a plain byte tunnel (not WebSocket): bytes are counted, never parsed, and no frame is ever injected.</param>
    /// <param name="extensions">True when the handshake negotiated a WebSocket extension, which may set the RSV bits.</param>
    /// <param name="limits">Size caps on the frames written towards this peer (null: none).</param>
    /// <param name="keepalive">The tunnel's keepalive clock, when keepalive is on: Pings may be sent, and Pongs answering them are dropped.</param>
    public TrackedStream(Stream inner, bool peerIsServer, bool framed = true, bool extensions = false, MessageLimits? limits = null, KeepaliveClock? keepalive = null)
    {
        _inner = inner;
        _maskInjected = peerIsServer;
        _framed = framed;
        _clock = keepalive;
        _heardTick = keepalive?.Now ?? 0;
        Outgoing = new FrameTracker(expectMasked: peerIsServer, allowReservedBits: extensions, limits, holdPongs: keepalive is not null && framed);
    }

    /// <summary>Clock tick at which this peer last sent bytes (stamped by the pump reading from it).</summary>
    public int HeardTick => Volatile.Read(ref _heardTick);

    /// <summary>Stamps that this peer just sent bytes: one read of the coarse clock, one write.</summary>
    public void MarkHeard()
    {
        if (_clock is { } clock)
        {
            _heardTick = clock.Now;
        }
    }

    /// <summary>Tick at which Sockway's outstanding Ping was asked for, or written once it was (0: none outstanding).</summary>
    public int PingTick => Volatile.Read(ref _pingTick);

    /// <summary>True once the outstanding Ping is on the wire.</summary>
    public bool PingWritten => _pingWritten;

    /// <summary>The peer answered (or spoke) after the Ping: none outstanding any more.</summary>
    public void ClearPing() => Volatile.Write(ref _pingTick, 0);

    /// <summary>True while a write towards this peer is in progress (for long: the peer is not reading).</summary>
    public bool WriteInProgress => _writeLock.CurrentCount == 0;

    /// <summary>True while a Ping waits for the writer to reach a frame boundary.</summary>
    public bool PingPending => Volatile.Read(ref _pendingPing) is not null;

    /// <summary>Set by a write that moved nothing but Pongs answering Sockway's Pings; the pump reads and clears it.</summary>
    public bool OnlyKeepalive { get; set; }

    /// <summary>Pongs answering Sockway's Pings that were dropped on their way to this peer.</summary>
    public long PongsDropped { get; private set; }

    /// <summary>Frames written towards this peer.</summary>
    public FrameTracker Outgoing { get; }

    /// <summary>False for a plain byte tunnel: Sockway never writes a byte of its own into it.</summary>
    public bool IsFramed => _framed;

    /// <summary>True once Sockway's own Close frame has been written to this peer.</summary>
    public bool CloseSent => _closeSent;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Sends a Close frame to this peer at the next frame boundary (now, if the writer is between frames), and
    /// drops everything written after it. Returns once the Close is written or left pending for the writer.
    /// </summary>
    public Task SendCloseAsync(ushort code, string reason) => RequestCloseAsync(code, reason, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Sends a Close frame at the next frame boundary and waits (at most <paramref name="boundaryWait"/>) for it to
    /// be written. A peer mid-frame whose writer reaches no boundary in time, or whose writes are stuck, gets none.
    /// </summary>
    public async Task<CloseOutcome> CloseAsync(ushort code, string reason, TimeSpan boundaryWait, TimeProvider time)
    {
        var outcome = await RequestCloseAsync(code, reason, boundaryWait);
        if (outcome != CloseOutcome.Pending || _closeWritten is not { } written)
        {
            return outcome;
        }

        try
        {
            await written.Task.WaitAsync(boundaryWait, time);
            return CloseOutcome.Sent;
        }
        catch (TimeoutException)
        {
            return CloseOutcome.TimedOut;
        }
    }

    private async Task<CloseOutcome> RequestCloseAsync(ushort code, string reason, TimeSpan lockWait)
    {
        if (!_framed)
        {
            return CloseOutcome.NotFramed;
        }

        // A writer blocked on a peer that does not read holds the lock: that peer is not between frames.
        if (!await _writeLock.WaitAsync(lockWait))
        {
            return CloseOutcome.TimedOut;
        }

        try
        {
            // Checked under the lock: a peer whose own Close (or ours) already went through gets no second one.
            if (_closeSent || Outgoing.SawClose)
            {
                return CloseOutcome.AlreadyClosing;
            }

            if (_pendingClose is not null)
            {
                return CloseOutcome.Pending;
            }

            if (Outgoing.Violation != FrameViolation.None && !Outgoing.AtBoundary)
            {
                return CloseOutcome.TimedOut;
            }

            var frame = CloseFrame.Build(code, reason, _maskInjected);
            if (Outgoing.AtBoundary)
            {
                using var bounded = lockWait == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(lockWait);
                await WriteCloseAsync(frame, bounded?.Token ?? CancellationToken.None);
                return CloseOutcome.Sent;
            }

            _closeWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pendingClose = frame;
            return CloseOutcome.Pending;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException or System.Net.Sockets.SocketException)
        {
            // The peer is already gone (or does not read): there is nobody left to close gracefully.
            return CloseOutcome.TimedOut;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends a keepalive Ping to this peer at the next frame boundary (now, if the writer is between frames). A writer
    /// that holds the lock longer than <paramref name="lockWait"/> is stuck on a peer that does not read: no Ping then.
    /// </summary>
    public async Task PingAsync(TimeSpan lockWait)
    {
        if (!_framed || _clock is not { } clock)
        {
            return;
        }

        _pingWritten = false;
        Volatile.Write(ref _pingTick, clock.Now);
        if (!await _writeLock.WaitAsync(lockWait))
        {
            return;
        }

        try
        {
            if (_closeSent || Outgoing.SawClose || _pendingClose is not null || _pendingPing is not null || Outgoing.Violation != FrameViolation.None)
            {
                return;
            }

            var frame = PingFrame.Build(_maskInjected);
            if (Outgoing.AtBoundary)
            {
                using var bounded = new CancellationTokenSource(lockWait);
                await WritePingAsync(frame, bounded.Token);
            }
            else
            {
                Volatile.Write(ref _pendingPing, frame);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException or System.Net.Sockets.SocketException)
        {
            // The peer is gone or does not read: the keepalive timeout ends the tunnel.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task WritePingAsync(byte[] frame, CancellationToken cancellationToken)
    {
        _pendingPing = null;
        await _inner.WriteAsync(frame, cancellationToken);
        await _inner.FlushAsync(cancellationToken);
        // The timeout runs from the moment the peer could see the Ping.
        Volatile.Write(ref _pingTick, _clock!.Now);
        _pingWritten = true;
    }

    /// <summary>
    /// For a peer found dead: nothing more is written to it (a write to a peer that does not read would only block),
    /// and no Close is sent it. The tunnel closes its socket when it ends.
    /// </summary>
    public void Silence() => _closeSent = true;

    /// <summary>The byte stream underneath (the tunnel transport's), for tests and diagnostics.</summary>
    internal Stream Inner => _inner;

    /// <summary>Makes reads report end-of-stream, ending this direction of the tunnel cleanly.</summary>
    public void EndReads()
    {
        _endReads = true;
        // A bare socket is shut down: its pending read ends with end-of-stream (a write blocked on a peer that stopped
        // reading, with an error), so the pump ends without an exception thrown and caught per tunnel, and closes it.
        if (_inner is NetworkStream { Socket: var socket })
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
                return;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already reset or closed: disposing below ends whatever is pending.
            }
        }

        // Any other stream gives up a read blocked on a silent peer only when it goes away: Kestrel's upgraded one (its
        // read then fails), the epoll transport's (its read then ends with end-of-stream).
        _inner.Dispose();
    }

    // A plain pass-through: an idle tunnel parks its pending read here, so no state machine of our own is kept alive.
    // After EndReads the pending read fails (the stream is gone) and the pump treats that as the end.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _endReads ? ValueTask.FromResult(0) : _inner.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Hot path: the lock free, no Close pending, the write completing at once — no state machine at all.
        if (_writeLock.Wait(0))
        {
            if (_pendingClose is not null || _closeSent || _pendingPing is not null || _held is not null)
            {
                // A Close got in first: the slow path knows what to do with these bytes.
                _writeLock.Release();
                return WriteSlowAsync(buffer, cancellationToken);
            }

            ValueTask write;
            try
            {
                if (!_framed)
                {
                    Outgoing.Count(buffer.Length);
                }
                else if (Outgoing.Observe(buffer.Span) is var valid && valid != buffer.Length)
                {
                    // A Pong to look at, or a header that broke the protocol: the lock stays held, so nothing gets
                    // between the bytes already observed and their write.
                    return WriteObservedThenRestAsync(buffer, valid, cancellationToken);
                }

                write = _inner.WriteAsync(buffer, cancellationToken);
            }
            catch
            {
                _writeLock.Release();
                throw;
            }

            if (write.IsCompletedSuccessfully)
            {
                _writeLock.Release();
                return ValueTask.CompletedTask;
            }

            return AwaitAndRelease(write);
        }

        return WriteSlowAsync(buffer, cancellationToken);
    }

    private async ValueTask AwaitAndRelease(ValueTask write)
    {
        try
        {
            await write;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (!_framed)
            {
                Outgoing.Count(buffer.Length);
                if (!_closeSent)
                {
                    await _inner.WriteAsync(buffer, cancellationToken);
                }

                return;
            }

            await WriteFramesLockedAsync(buffer, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Holding the lock: writes the first <paramref name="observed"/> bytes (already observed), then the rest.</summary>
    private async ValueTask WriteObservedThenRestAsync(ReadOnlyMemory<byte> buffer, int observed, CancellationToken cancellationToken)
    {
        try
        {
            if (observed > 0)
            {
                await _inner.WriteAsync(buffer[..observed], cancellationToken);
            }

            await WriteFramesLockedAsync(buffer[observed..], cancellationToken, forwarded: observed > 0);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// The write path for everything but plain passing bytes, under the lock: a Close or Ping waiting for a boundary,
    /// a Pong held back, bytes after Sockway's Close (dropped), a header that broke the protocol (throws, after the
    /// bytes before it).
    /// </summary>
    private async ValueTask WriteFramesLockedAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken, bool forwarded = false)
    {
        var dropped = false;
        while (true)
        {
            if (_closeSent)
            {
                // After our Close, the protocol allows nothing more; the peer's own Close reply ends here too.
                Outgoing.ObserveDropped(rest.Span);
                return;
            }

            if (_held is { } held)
            {
                var taken = held.Take(rest.Span);
                rest = rest[taken..];
                if (!held.Complete)
                {
                    return;
                }

                _held = null;
                if (PingFrame.IsAnswer(held.Frame, masked: _maskInjected))
                {
                    Outgoing.DropPong();
                    PongsDropped++;
                    dropped = true;
                }
                else
                {
                    var valid = Outgoing.AdmitPong(held.Frame);
                    await _inner.WriteAsync(held.Buffer.AsMemory(0, valid), cancellationToken);
                    forwarded = true;
                    if (valid != held.Length)
                    {
                        held.Dispose();
                        throw new FrameViolationException(Outgoing.Violation);
                    }
                }

                held.Dispose();
                continue;
            }

            if (Outgoing.AtBoundary && (_pendingClose is not null || _pendingPing is not null))
            {
                if (_pendingClose is { } close)
                {
                    await WriteCloseAsync(close, cancellationToken);
                }
                else
                {
                    await WritePingAsync(_pendingPing!, cancellationToken);
                }

                continue;
            }

            if (rest.Length == 0)
            {
                break;
            }

            var waiting = _pendingClose is not null || _pendingPing is not null;
            var observed = waiting ? Outgoing.ObserveUntilBoundary(rest.Span) : Outgoing.Observe(rest.Span);
            if (observed > 0)
            {
                await _inner.WriteAsync(rest[..observed], cancellationToken);
                forwarded = true;
                rest = rest[observed..];
            }

            if (rest.Length == 0 || (waiting && Outgoing.AtBoundary))
            {
                continue;
            }

            if (Outgoing.PongAhead)
            {
                _held = new HeldPong();
                continue;
            }

            if (Outgoing.Violation != FrameViolation.None)
            {
                throw new FrameViolationException(Outgoing.Violation);
            }
        }

        if (dropped && !forwarded)
        {
            OnlyKeepalive = true;
        }
    }

    private async Task WriteCloseAsync(byte[] frame, CancellationToken cancellationToken)
    {
        _pendingClose = null;
        _pendingPing = null;
        _closeSent = true;
        try
        {
            await _inner.WriteAsync(frame, cancellationToken);
            await _inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _closeWritten?.TrySetResult();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _closeSent ? Task.CompletedTask : _inner.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>A Pong frame being read whole, up to 131 bytes, in a pooled buffer given back once it is decided.</summary>
internal sealed class HeldPong : IDisposable
{
    private const int MaxControlFrame = 6 + 125;

    public byte[] Buffer { get; } = ArrayPool<byte>.Shared.Rent(MaxControlFrame);

    public int Length { get; private set; }

    private int _wanted;

    public ReadOnlySpan<byte> Frame => Buffer.AsSpan(0, Length);

    /// <summary>The whole frame is in (or, for a length no control frame may have, its header).</summary>
    public bool Complete => _wanted != 0 && Length == _wanted;

    /// <summary>Copies bytes of the frame from <paramref name="data"/> and returns how many.</summary>
    public int Take(ReadOnlySpan<byte> data)
    {
        var taken = 0;
        while (taken < data.Length && !Complete)
        {
            Buffer[Length++] = data[taken++];
            if (_wanted == 0)
            {
                _wanted = PingFrame.PongLength(Frame);
            }
        }

        return taken;
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>What became of a Close Sockway asked to send to one peer.</summary>
public enum CloseOutcome
{
    /// <summary>Written, at once or at the next frame boundary.</summary>
    Sent,

    /// <summary>Waiting for the writer to reach a frame boundary.</summary>
    Pending,

    /// <summary>No boundary in time, writes stuck, or the peer gone: the peer gets a TCP close instead.</summary>
    TimedOut,

    /// <summary>A Close already went to this peer (the other peer's, or Sockway's): no second one.</summary>
    AlreadyClosing,

    /// <summary>A plain byte tunnel: Sockway writes nothing of its own into it.</summary>
    NotFramed,
}

/// <summary>A frame written through a tracked stream broke RFC 6455; the tunnel fails with Close 1002.</summary>
public sealed class FrameViolationException(FrameViolation violation) : IOException($"WebSocket protocol error: {violation}")
{
    public FrameViolation Violation { get; } = violation;
}
