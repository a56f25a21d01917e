using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// On the plain listener a tunnel takes the client's socket from Kestrel at the 101. What the client must not
/// notice: bytes it sent right behind its handshake, and the keep-alive requests before it, are all served.
/// </summary>
public sealed class DetachedTunnelTests : IClassFixture<EchoRouteFixture>
{
    private readonly EchoRouteFixture _fixture;

    public DetachedTunnelTests(EchoRouteFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task A_frame_sent_in_the_same_write_as_the_handshake_reaches_the_backend()
    {
        using var tcp = await ConnectAsync();
        var stream = tcp.GetStream();
        // Head and first frame in one segment: Kestrel has both buffered when the tunnel takes the socket over.
        await stream.WriteAsync(Concat(Encoding.ASCII.GetBytes(UpgradeRequest()), MaskedText("sent-early")));

        Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(stream));
        Assert.Equal("sent-early", await ReadTextAsync(stream));
    }

    [Fact]
    public async Task A_keep_alive_connection_serves_plain_requests_then_becomes_a_tunnel()
    {
        using var tcp = await ConnectAsync();
        var stream = tcp.GetStream();
        for (var i = 0; i < 2; i++)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /ws/status HTTP/1.1\r\nHost: keepalive.test\r\n\r\n"));
            var head = await RawHttp.ReadHeadAsync(stream);
            Assert.StartsWith("HTTP/1.1 200", head);
            Assert.Contains("backend-", await RawHttp.ReadBodyAsync(stream, head));
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(UpgradeRequest()));
        Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(stream));
        await stream.WriteAsync(MaskedText("after two requests"));
        Assert.Equal("after two requests", await ReadTextAsync(stream));
    }

    [Fact]
    public async Task Many_tunnels_stay_independent_after_leaving_kestrel()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => WebSocketClient.ConnectAsync(_fixture.Sockway.WebSocketUri("/ws"))));
        try
        {
            var replies = await Task.WhenAll(clients.Select((c, i) => c.RoundTripAsync($"client-{i}")));
            Assert.Equal(Enumerable.Range(0, 40).Select(i => $"client-{i}"), replies);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, _fixture.Sockway.HttpUri.Port);
        return tcp;
    }

    private static string UpgradeRequest() => RawHttp.UpgradeRequest("detach.test");

    private static byte[] MaskedText(string text) => RawHttp.MaskedFrame(0x1, Encoding.UTF8.GetBytes(text));

    // A short unmasked text frame, as a server sends it.
    private static async Task<string> ReadTextAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var header = new byte[2];
        await stream.ReadExactlyAsync(header, timeout.Token);
        Assert.Equal(0x81, header[0]);
        var payload = new byte[header[1] & 0x7F];
        await stream.ReadExactlyAsync(payload, timeout.Token);
        return Encoding.UTF8.GetString(payload);
    }

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];
}
