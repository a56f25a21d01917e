namespace Sockway.Gateway.Framing;

/// <summary>
/// One side of a proxied WebSocket: wraps the upgraded stream to a peer (client or backend). Bytes written to
/// the peer pass through untouched while a <see cref="FrameTracker"/> follows their frame headers, so a Close
/// frame can be injected between two frames — never inside one — and nothing is sent after it.
/// Reads are passed straight through (zero-byte reads included), so an idle tunnel costs no buffer.
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

    /// <param name="inner">The upgraded stream to the peer.</param>
    /// <param name="peerIsServer">True for the backend side: frames a client sends to a server must be masked.</param>
    /// <param name="framed">False for a plain byte tunnel (not WebSocket): bytes are counted, never parsed, and no frame is ever injected.</param>
    /// <param name="extensions">True when the handshake negotiated a WebSocket extension, which may set the RSV bits.</param>
    public TrackedStream(Stream inner, bool peerIsServer, bool framed = true, bool extensions = false)
    {
        _inner = inner;
        _maskInjected = peerIsServer;
        _framed = framed;
        Outgoing = new FrameTracker(expectMasked: peerIsServer, allowReservedBits: extensions);
    }

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

    /// <summary>Makes reads report end-of-stream, ending this direction of the tunnel cleanly.</summary>
    public void EndReads()
    {
        _endReads = true;
        // A read blocked on a silent peer only returns when the stream goes away.
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
            if (_pendingClose is not null || _closeSent)
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
                    _writeLock.Release();
                    return RejectAsync(buffer[..valid], cancellationToken);
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
            if (_closeSent)
            {
                // After our Close, the protocol allows nothing more; the peer's own Close reply ends here too.
                Outgoing.Observe(buffer.Span);
                return;
            }

            if (!_framed)
            {
                Outgoing.Count(buffer.Length);
                await _inner.WriteAsync(buffer, cancellationToken);
                return;
            }

            if (_pendingClose is null)
            {
                var valid = Outgoing.Observe(buffer.Span);
                await _inner.WriteAsync(buffer[..valid], cancellationToken);
                ThrowIfViolated(valid, buffer.Length);
                return;
            }

            var untilBoundary = Outgoing.AtBoundary ? 0 : Outgoing.ObserveUntilBoundary(buffer.Span);
            if (untilBoundary > 0)
            {
                await _inner.WriteAsync(buffer[..untilBoundary], cancellationToken);
            }

            if (Outgoing.AtBoundary)
            {
                await WriteCloseAsync(_pendingClose, cancellationToken);
                Outgoing.Observe(buffer.Span[untilBoundary..]);
            }
            else
            {
                ThrowIfViolated(untilBoundary, buffer.Length);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes the valid bytes before a header that broke the protocol, then fails the write.</summary>
    private async ValueTask RejectAsync(ReadOnlyMemory<byte> valid, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (valid.Length > 0)
            {
                await _inner.WriteAsync(valid, cancellationToken);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        throw new FrameViolationException(Outgoing.Violation);
    }

    private void ThrowIfViolated(int valid, int length)
    {
        if (valid != length && Outgoing.Violation != FrameViolation.None)
        {
            throw new FrameViolationException(Outgoing.Violation);
        }
    }

    private async Task WriteCloseAsync(byte[] frame, CancellationToken cancellationToken)
    {
        _pendingClose = null;
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
