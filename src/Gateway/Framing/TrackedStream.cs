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
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private byte[]? _pendingClose;
    private volatile bool _closeSent;
    private volatile bool _endReads;

    /// <param name="inner">The upgraded stream to the peer.</param>
    /// <param name="peerIsServer">True for the backend side: frames a client sends to a server must be masked.</param>
    public TrackedStream(Stream inner, bool peerIsServer)
    {
        _inner = inner;
        _maskInjected = peerIsServer;
    }

    /// <summary>Frames written towards this peer.</summary>
    public FrameTracker Outgoing { get; } = new();

    /// <summary>True once Sockway's own Close frame has been written to this peer.</summary>
    public bool CloseSent => _closeSent;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Sends a Close frame to this peer at the next frame boundary (now, if the writer is between frames), and
    /// drops everything written after it.
    /// </summary>
    public async Task SendCloseAsync(ushort code, string reason)
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_closeSent || _pendingClose is not null)
            {
                return;
            }

            var frame = CloseFrame.Build(code, reason, _maskInjected);
            if (Outgoing.AtBoundary)
            {
                await WriteCloseAsync(frame, CancellationToken.None);
            }
            else
            {
                _pendingClose = frame;
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is already gone; there is nobody left to close gracefully.
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
                Outgoing.Observe(buffer.Span);
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

            if (_pendingClose is null)
            {
                Outgoing.Observe(buffer.Span);
                await _inner.WriteAsync(buffer, cancellationToken);
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
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task WriteCloseAsync(byte[] frame, CancellationToken cancellationToken)
    {
        _pendingClose = null;
        _closeSent = true;
        await _inner.WriteAsync(frame, cancellationToken);
        await _inner.FlushAsync(cancellationToken);
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
