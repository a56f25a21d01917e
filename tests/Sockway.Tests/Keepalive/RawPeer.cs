using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sockway.Tests.Gateway;

namespace Sockway.Tests.Keepalive;

/// <summary>One frame as a raw peer received it (payload unmasked).</summary>
internal sealed record RawFrame(int Opcode, bool Fin, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// A WebSocket peer on a bare socket, byte-exact: it sees every frame Sockway writes (Pings and Pongs included),
/// answers Pings only while <see cref="AnswerPings"/>, and can stop reading altogether — a peer that vanished.
/// A client masks its frames, a server does not.
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly bool _masked;
    private readonly SemaphoreSlim _write = new(1, 1);
    private Task? _reader;

    private RawPeer(TcpClient tcp, bool masked)
    {
        _tcp = tcp;
        _masked = masked;
        Stream = tcp.GetStream();
    }

    public NetworkStream Stream { get; }

    public ConcurrentQueue<RawFrame> Received { get; } = new();

    public bool AnswerPings { get; set; } = true;

    /// <summary>True once the connection ended (Sockway closed it, or it failed).</summary>
    public bool Ended { get; private set; }

    /// <summary>A client through Sockway's HTTP port, upgraded; frames are not read until <see cref="StartReading"/>.</summary>
    public static async Task<RawPeer> ConnectAsync(int port, string path, string host = "keepalive.test")
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest(host, path)));
        var head = await RawHttp.ReadHeadAsync(tcp.GetStream());
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(head);
        }

        return new RawPeer(tcp, masked: true);
    }

    /// <summary>The server side: accepts the upgrade read from <paramref name="tcp"/> with a 101.</summary>
    public static async Task<RawPeer> AcceptAsync(TcpClient tcp)
    {
        tcp.NoDelay = true;
        var head = await RawHttp.ReadHeadAsync(tcp.GetStream());
        var key = head.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
        return new RawPeer(tcp, masked: false);
    }

    /// <summary>Reads frames in the background, recording each and answering Pings while <see cref="AnswerPings"/>.</summary>
    public void StartReading() => _reader ??= Task.Run(ReadLoopAsync);

    public async Task SendAsync(int opcode, byte[] payload, bool fin = true)
    {
        await WriteAsync(Frame(opcode, payload, fin));
    }

    /// <summary>Bytes as they are: a frame in pieces, or several at once.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await _write.WaitAsync();
        try
        {
            await Stream.WriteAsync(bytes);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>A frame as this peer must send it (masked from a client), with the header's length as given.</summary>
    public byte[] Frame(int opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var length = payload.Length;
        var extended = length < 126 ? 0 : length <= ushort.MaxValue ? 2 : 8;
        var headerLength = 2 + extended + (_masked ? 4 : 0);
        var frame = new byte[headerLength + length];
        frame[0] = (byte)((fin ? 0x80 : 0) | opcode);
        var maskBit = _masked ? 0x80 : 0;
        switch (extended)
        {
            case 0:
                frame[1] = (byte)(maskBit | length);
                break;
            case 2:
                frame[1] = (byte)(maskBit | 126);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
                break;
            default:
                frame[1] = (byte)(maskBit | 127);
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
                break;
        }

        payload.CopyTo(frame.AsSpan(headerLength));
        if (_masked)
        {
            var key = frame.AsSpan(2 + extended, 4);
            RandomNumberGenerator.Fill(key);
            for (var i = 0; i < length; i++)
            {
                frame[headerLength + i] ^= key[i & 3];
            }
        }

        return frame;
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var frame = await ReadFrameAsync();
                Received.Enqueue(frame);
                if (frame.Opcode == 0x9 && AnswerPings)
                {
                    await SendAsync(0xA, frame.Payload);
                }
                else if (frame.Opcode == 0x8)
                {
                    await SendAsync(0x8, frame.Payload.Length >= 2 ? frame.Payload[..2] : []);
                    if (!_masked)
                    {
                        // A server ends the connection after the closing handshake (RFC 6455 §7.1.1).
                        _tcp.Client.Shutdown(SocketShutdown.Both);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException or SocketException or OperationCanceledException or InvalidOperationException)
        {
            Ended = true;
        }
    }

    private async Task<RawFrame> ReadFrameAsync()
    {
        var head = new byte[2];
        await Stream.ReadExactlyAsync(head);
        long length = head[1] & 0x7F;
        if (length >= 126)
        {
            var extended = new byte[length == 126 ? 2 : 8];
            await Stream.ReadExactlyAsync(extended);
            length = extended.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(extended) : (long)BinaryPrimitives.ReadUInt64BigEndian(extended);
        }

        var key = new byte[(head[1] & 0x80) != 0 ? 4 : 0];
        await Stream.ReadExactlyAsync(key);
        var payload = new byte[length];
        await Stream.ReadExactlyAsync(payload);
        for (var i = 0; key.Length > 0 && i < payload.Length; i++)
        {
            payload[i] ^= key[i & 3];
        }

        return new RawFrame(head[0] & 0x0F, (head[0] & 0x80) != 0, payload);
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        if (_reader is not null)
        {
            await _reader;
        }
    }
}

/// <summary>A backend on a bare listening socket: each upgrade Sockway forwards becomes a <see cref="RawPeer"/>.</summary>
internal sealed class RawBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<RawPeer> _peers = new();

    public RawBackend()
    {
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Whether new peers read (and answer Pings) from the start.</summary>
    public bool Reads { get; set; } = true;

    public IReadOnlyCollection<RawPeer> Peers => _peers;

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var tcp = await _listener.AcceptTcpClientAsync();
                var peer = await RawPeer.AcceptAsync(tcp);
                if (Reads)
                {
                    peer.StartReading();
                }

                _peers.Enqueue(peer);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (var peer in _peers)
        {
            await peer.DisposeAsync();
        }
    }
}
