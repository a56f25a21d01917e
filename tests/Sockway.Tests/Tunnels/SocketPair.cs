using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sockway.Tests.Tunnels;

/// <summary>A real loopback TCP connection: the gateway's end and the peer's end.</summary>
internal sealed class SocketPair : IDisposable
{
    private readonly TcpClient _peer;
    private readonly Socket _gateway;

    private SocketPair(TcpClient peer, Socket gateway)
    {
        _peer = peer;
        _gateway = gateway;
        Peer = peer.GetStream();
        Gateway = TestTransport.Current.Adopt(gateway, []);
    }

    public NetworkStream Peer { get; }

    /// <summary>The gateway's end, on the transport the suite runs with (SOCKWAY_TEST_TUNNEL_TRANSPORT).</summary>
    public Stream Gateway { get; }

    public static async Task<SocketPair> CreateAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = new TcpClient { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await peer.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var gateway = await accept;
        gateway.NoDelay = true;
        return new SocketPair(peer, gateway);
    }

    /// <summary>Reads one frame as the peer sees it: opcode, unmasked payload, and whether it was masked.</summary>
    public async Task<(int Opcode, byte[] Payload, bool Masked)> ReadFrameAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var head = new byte[2];
        await Peer.ReadExactlyAsync(head, cts.Token);
        var masked = (head[1] & 0x80) != 0;
        long length = head[1] & 0x7F;
        if (length == 126)
        {
            var ext = new byte[2];
            await Peer.ReadExactlyAsync(ext, cts.Token);
            length = BinaryPrimitives.ReadUInt16BigEndian(ext);
        }
        else if (length == 127)
        {
            var ext = new byte[8];
            await Peer.ReadExactlyAsync(ext, cts.Token);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(ext);
        }

        var key = new byte[4];
        if (masked)
        {
            await Peer.ReadExactlyAsync(key, cts.Token);
        }

        var payload = new byte[length];
        await Peer.ReadExactlyAsync(payload, cts.Token);
        for (var i = 0; masked && i < payload.Length; i++)
        {
            payload[i] ^= key[i & 3];
        }

        return (head[0] & 0x0F, payload, masked);
    }

    /// <summary>Reads the Close frame Sockway sent this peer and returns its code.</summary>
    public async Task<int> ReadCloseCodeAsync(TimeSpan timeout)
    {
        var (opcode, payload, _) = await ReadFrameAsync(timeout);
        Xunit.Assert.Equal(0x8, opcode);
        return BinaryPrimitives.ReadUInt16BigEndian(payload);
    }

    /// <summary>True when the gateway ends the connection (FIN or reset) within the timeout, with nothing more sent.</summary>
    public async Task<bool> EndsWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[1];
        try
        {
            return await Peer.ReadAsync(buffer, cts.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The peer goes away: its end of the connection closes, with no Close frame.</summary>
    public void ClosePeer() => _peer.Dispose();

    public void Dispose()
    {
        _peer.Dispose();
        Gateway.Dispose();
    }
}
