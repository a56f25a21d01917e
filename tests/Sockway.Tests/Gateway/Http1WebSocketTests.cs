using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

public sealed class Http1WebSocketTests : IClassFixture<EchoRouteFixture>
{
    private readonly EchoRouteFixture _fixture;

    public Http1WebSocketTests(EchoRouteFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Echoes_messages_through_the_gateway_over_http11()
    {
        using var socket = await WebSocketClient.ConnectAsync(_fixture.Sockway.WebSocketUri("/ws"));

        Assert.Equal("hello", await socket.RoundTripAsync("hello"));
        var big = new string('x', 200_000);
        Assert.Equal(big, await socket.RoundTripAsync(big));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task Connections_reach_both_backends()
    {
        var names = new HashSet<string>();
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 6; i++)
        {
            var socket = await WebSocketClient.ConnectAsync(_fixture.Sockway.WebSocketUri("/ws"));
            sockets.Add(socket);
            names.Add(await socket.WhoAmIAsync());
        }

        Assert.Equal(["backend-0", "backend-1"], names.Order());
        sockets.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Plain_get_on_the_same_route_is_proxied()
    {
        using var client = new HttpClient();
        var response = await client.GetAsync(new Uri(_fixture.Sockway.HttpUri, "/ws/status"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(await response.Content.ReadAsStringAsync(), new[] { "backend-0", "backend-1" });
    }

    [Fact]
    public async Task Backend_sees_the_original_host_and_forwarded_headers()
    {
        using var socket = await WebSocketClient.ConnectAsync(_fixture.Sockway.WebSocketUri("/ws?probe=host"),
            o => o.SetRequestHeader("Host", "chat.example.com"));
        await socket.RoundTripAsync("ping");

        var seen = _fixture.A.Seen.Concat(_fixture.B.Seen).Single(r => r.IsWebSocket && r.Host == "chat.example.com");
        Assert.Equal("127.0.0.1", seen.ForwardedFor);
        Assert.Equal("http", seen.ForwardedProto);
        Assert.Equal("chat.example.com", seen.ForwardedHost);
    }

    [Fact]
    public async Task Client_receives_the_accept_key_computed_by_the_backend()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _fixture.Sockway.HttpUri.Port);
        var stream = tcp.GetStream();
        var request = $"GET /ws HTTP/1.1\r\nHost: accept.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));

        var head = await RawHttp.ReadHeadAsync(stream);

        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Contains($"Sec-WebSocket-Accept: {expected}", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(_fixture.A.Seen.Concat(_fixture.B.Seen), r => r.Host == "accept.test" && r.IsWebSocket);
    }
}
