using System.Net.Sockets;

namespace Sockway.Gateway.Forwarding;

/// <summary>
/// The backend side of a tunnel: the socket, preceded by whatever bytes arrived together with the 101 (a backend
/// may greet the client in the same segment as its handshake).
/// </summary>
internal sealed class UpgradedStream : Stream
{
    private readonly NetworkStream _inner;
    private byte[] _leftover;
    private int _offset;

    private UpgradedStream(NetworkStream inner, byte[] leftover)
    {
        _inner = inner;
        _leftover = leftover;
    }

    public static Stream Create(Socket socket, byte[] leftover)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        return leftover.Length == 0 ? stream : new UpgradedStream(stream, leftover);
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var remaining = _leftover.Length - _offset;
        if (remaining == 0)
        {
            return _inner.ReadAsync(buffer, cancellationToken);
        }

        // A zero-byte read asks whether data is there: it is.
        var count = Math.Min(remaining, buffer.Length);
        _leftover.AsSpan(_offset, count).CopyTo(buffer.Span);
        _offset += count;
        if (_offset == _leftover.Length)
        {
            _leftover = [];
            _offset = 0;
        }

        return ValueTask.FromResult(count);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

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

    public override ValueTask DisposeAsync()
    {
        _inner.Dispose();
        return base.DisposeAsync();
    }
}
