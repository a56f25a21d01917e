using System.Net.Sockets;
using System.Runtime.CompilerServices;
using static Sockway.Gateway.Connections.Transport.LinuxInterop;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// One side of a detached tunnel on a descriptor registered edge-triggered in an <see cref="EpollLoop"/>.
/// Readiness is a sequence number the loop bumps on each edge: a recv that drained the socket (EAGAIN, or fewer
/// bytes than asked) records the number it saw *before* the call, so an edge that lands during the call is never
/// lost, and the next read waits for a newer edge instead of probing with a recv that would fail. Once the peer
/// half-closed or failed, reads never wait again (a FIN that arrived with the last data brings no further edge).
/// One read and one write may be in progress at a time (the pump reads, TrackedStream serialises writes).
/// </summary>
internal sealed class EpollStream : Stream
{
    private const uint ReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
    private const uint WriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;
    private readonly TunnelDescriptor _fd;
    private readonly ReadinessWaiter _readable;
    private readonly ReadinessWaiter _writable;
    private byte[] _leftover;
    private int _leftoverOffset;
    private EpollLoop? _loop;
    private int _readEdges;
    private int _readDrainedAt;
    private int _writeEdges = 1;
    private int _writeBlockedAt;
    private volatile bool _peerEnded;
    private volatile bool _failed;
    private int _disposed;

    public EpollStream(TunnelDescriptor fd, byte[] leftover, bool inlineCompletions)
    {
        _fd = fd;
        _leftover = leftover;
        _readable = new ReadinessWaiter(inlineCompletions);
        _writable = new ReadinessWaiter(inlineCompletions);
    }

    /// <summary>Slot and generation in the loop's table (set before the descriptor is registered).</summary>
    internal int Slot { get; private set; }

    internal int Generation { get; private set; }

    internal TunnelDescriptor Descriptor => _fd;

    internal void Bind(EpollLoop loop, int slot, int generation)
    {
        _loop = loop;
        Slot = slot;
        Generation = generation;
    }

    private bool Disposed => Volatile.Read(ref _disposed) != 0;

    private bool ReadReady => _peerEnded || Volatile.Read(ref _readEdges) != _readDrainedAt;

    private bool WriteReady => _failed || Volatile.Read(ref _writeEdges) != _writeBlockedAt;

    /// <summary>Called by the loop thread for this stream's edge.</summary>
    internal void OnEvents(uint events)
    {
        if ((events & (EPOLLHUP | EPOLLERR)) != 0)
        {
            _failed = true;
        }

        if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
        {
            _peerEnded = true;
        }

        if ((events & ReadEvents) != 0)
        {
            Interlocked.Increment(ref _readEdges);
            _readable.Fire();
        }

        if ((events & WriteEvents) != 0)
        {
            Interlocked.Increment(ref _writeEdges);
            _writable.Fire();
        }
    }

    // Leftover bytes first. A zero-byte read waits for data without consuming any, and costs no syscall.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_leftoverOffset < _leftover.Length)
        {
            return ValueTask.FromResult(TakeLeftover(buffer.Span));
        }

        if (Disposed)
        {
            return ValueTask.FromResult(0);
        }

        if (buffer.IsEmpty)
        {
            return ReadReady ? ValueTask.FromResult(0) : WaitReadable(cancellationToken);
        }

        return ReadReady && TryReceive(buffer.Span, out var read) ? ValueTask.FromResult(read) : ReadWhenReadyAsync(buffer, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadWhenReadyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitReadable(cancellationToken);
            if (Disposed)
            {
                return 0;
            }

            if (TryReceive(buffer.Span, out var read))
            {
                return read;
            }
        }
    }

    private ValueTask<int> WaitReadable(CancellationToken cancellationToken)
    {
        var wait = _readable.Arm(cancellationToken);
        if (ReadReady || Disposed)
        {
            _readable.Fire();
        }

        return wait;
    }

    private unsafe bool TryReceive(Span<byte> buffer, out int read)
    {
        while (true)
        {
            var edges = Volatile.Read(ref _readEdges);
            nint result;
            fixed (byte* p = buffer)
            {
                result = recv(_fd, p, buffer.Length, MSG_DONTWAIT);
            }

            if (result >= 0)
            {
                if (result > 0 && result < buffer.Length)
                {
                    _readDrainedAt = edges;
                }

                read = (int)result;
                return true;
            }

            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if (errno == EAGAIN)
            {
                _readDrainedAt = edges;
                read = 0;
                return false;
            }

            throw Failure(errno);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        var sent = TrySend(buffer.Span);
        return sent == buffer.Length ? ValueTask.CompletedTask : WriteWhenReadyAsync(buffer[sent..], cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteWhenReadyAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
    {
        while (!rest.IsEmpty)
        {
            var wait = _writable.Arm(cancellationToken);
            if (WriteReady || Disposed)
            {
                _writable.Fire();
            }

            await wait;
            ObjectDisposedException.ThrowIf(Disposed, this);
            rest = rest[TrySend(rest.Span)..];
        }
    }

    // Sends until everything is out or the socket is full (then the caller waits for the next EPOLLOUT edge).
    private unsafe int TrySend(ReadOnlySpan<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var edges = Volatile.Read(ref _writeEdges);
            nint result;
            fixed (byte* p = buffer[total..])
            {
                result = send(_fd, p, buffer.Length - total, MSG_DONTWAIT | MSG_NOSIGNAL);
            }

            if (result >= 0)
            {
                total += (int)result;
                continue;
            }

            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if (errno == EAGAIN)
            {
                _writeBlockedAt = edges;
                return total;
            }

            throw Failure(errno);
        }

        return total;
    }

    private static IOException Failure(int errno)
    {
        var socket = new SocketException(errno == 104 ? (int)SocketError.ConnectionReset : errno == 32 ? (int)SocketError.Shutdown : (int)SocketError.SocketError);
        return new IOException($"The tunnel's connection failed (errno {errno}).", socket);
    }

    private int TakeLeftover(Span<byte> buffer)
    {
        var count = Math.Min(_leftover.Length - _leftoverOffset, buffer.Length);
        _leftover.AsSpan(_leftoverOffset, count).CopyTo(buffer);
        _leftoverOffset += count;
        if (_leftoverOffset == _leftover.Length)
        {
            _leftover = [];
            _leftoverOffset = 0;
        }

        return count;
    }

    // Ends a pending read (it returns 0) and a pending write (ObjectDisposedException): what the pump treats as the end.
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _loop?.Unregister(this);
            _fd.Dispose();
            _readable.Fire();
            _writable.Fire();
        }

        base.Dispose(disposing);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
