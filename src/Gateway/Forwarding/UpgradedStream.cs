using System.Net.Sockets;

namespace Sockway.Gateway.Forwarding;

/// <summary>
/// One side of a tunnel on a bare socket, preceded by whatever bytes arrived together with the handshake: a backend
/// may greet the client in the same segment as its 101, a client may send its first frame right behind its request.
/// </summary>
internal sealed class UpgradedStream : NetworkStream
{
    private byte[] _leftover;
    private int _offset;

    private UpgradedStream(Socket socket, byte[] leftover)
        : base(socket, ownsSocket: true) => _leftover = leftover;

    public static NetworkStream Create(Socket socket, byte[] leftover) =>
        leftover.Length == 0 ? new NetworkStream(socket, ownsSocket: true) : new UpgradedStream(socket, leftover);

    // A zero-byte read asks whether data is there: while leftover bytes remain, it is.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _offset < _leftover.Length ? ValueTask.FromResult(TakeLeftover(buffer.Span)) : base.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer) => _offset < _leftover.Length ? TakeLeftover(buffer) : base.Read(buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private int TakeLeftover(Span<byte> buffer)
    {
        var count = Math.Min(_leftover.Length - _offset, buffer.Length);
        _leftover.AsSpan(_offset, count).CopyTo(buffer);
        _offset += count;
        if (_offset == _leftover.Length)
        {
            _leftover = [];
            _offset = 0;
        }

        return count;
    }
}
