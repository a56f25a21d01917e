using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Sockway.Gateway.Framing;
using Sockway.Testing;
using Sockway.Tests.Balancing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// Raw clients through a real Sockway to a real ASP.NET Core WebSocket backend: a frame that breaks RFC 6455 and a
/// client that vanishes without a Close. What each side sees is what a user's client and service would see.
/// </summary>
public sealed class HostileFrameTests
{
    private static readonly TimeSpan Read = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_client_that_vanishes_without_a_close_gets_its_backend_a_close_1001()
    {
        await using var pool = await BackendPool.StartAsync(1);
        var backend = pool.Backends[0];
        using (var tcp = await UpgradedAsync(pool))
        {
            var stream = tcp.GetStream();
            await stream.WriteAsync(RawHttp.MaskedFrame(0x1, "hello"u8.ToArray()));
            Assert.Equal("hello", await ReadTextAsync(stream));
        } // gone: no Close frame, just the end of the TCP connection

        await Eventually.TrueAsync(() => !backend.CloseStatuses.IsEmpty, because: "the backend saw its WebSocket end");
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(backend.CloseStatuses));
    }

    public static TheoryData<string, byte[]> BadFrames => new()
    {
        { "unmasked client frame", [0x81, 0x02, 0x68, 0x69] },
        { "64-bit length with the top bit set", [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4] },
        { "reserved opcode 0x3", [0x83, 0x80, 1, 2, 3, 4] },
        { "RSV1 without a negotiated extension", [0xC1, 0x80, 1, 2, 3, 4] },
        { "ping of 126 bytes", [0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4, .. new byte[126]] },
        { "fragmented ping", [0x09, 0x80, 1, 2, 3, 4] },
        { "continuation with no message", [0x80, 0x80, 1, 2, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task A_frame_that_breaks_the_protocol_gets_the_client_1002_and_the_backend_1001(string name, byte[] frame)
    {
        await using var pool = await BackendPool.StartAsync(1);
        var backend = pool.Backends[0];
        using var tcp = await UpgradedAsync(pool);
        var stream = tcp.GetStream();
        await stream.WriteAsync(RawHttp.MaskedFrame(0x1, "hello"u8.ToArray()));
        Assert.Equal("hello", await ReadTextAsync(stream));

        await stream.WriteAsync(frame);

        var (opcode, payload) = await ReadFrameAsync(stream);
        Assert.True(opcode == 0x8, $"{name}: opcode {opcode}");
        Assert.Equal(1002, (payload[0] << 8) | payload[1]);
        Assert.True(await EndsAsync(stream), name);
        await Eventually.TrueAsync(() => !backend.CloseStatuses.IsEmpty, because: "the backend saw its WebSocket end");
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(backend.CloseStatuses));
        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_websocket_closes_total", ("reason", "protocol_error")) == 1);
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("initiator", "client"), ("reason", "protocol_error"), ("code", "1002")));
    }

    private static async Task<TcpClient> UpgradedAsync(BackendPool pool)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, pool.Sockway.HttpUri.Port);
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("hostile.test", "/pool")));
        Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(tcp.GetStream()));
        return tcp;
    }

    private static async Task<string> ReadTextAsync(Stream stream)
    {
        var (opcode, payload) = await ReadFrameAsync(stream);
        Assert.Equal(0x1, opcode);
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>One short unmasked frame from the server side.</summary>
    private static async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(Read);
        var head = new byte[2];
        await stream.ReadExactlyAsync(head, timeout.Token);
        Assert.True((head[1] & 0x80) == 0, "server frames are not masked");
        var payload = new byte[head[1] & 0x7F];
        await stream.ReadExactlyAsync(payload, timeout.Token);
        return (head[0] & 0x0F, payload);
    }

    private static async Task<bool> EndsAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(Read);
        try
        {
            return await stream.ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
