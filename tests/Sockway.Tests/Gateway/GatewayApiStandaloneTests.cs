using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// Standalone mode serving examples/gateway-api/ unchanged (a GatewayClass, Gateway, HTTPRoute, WebSocketPolicy and
/// Services; only the EndpointSlices are the test's): real WebSocket clients through real Sockway to real Kestrel
/// backends. Backend 0 is chat-blue, 1 chat-green, 2 chat-canary.
/// </summary>
public sealed class GatewayApiStandaloneTests : IAsyncLifetime
{
    private const string Host = "chat.example.com";
    private const string AllowedOrigin = "https://chat.example.com";
    private Scenario _scenario = null!;
    private HttpMessageInvoker _invoker = null!;

    public async Task InitializeAsync()
    {
        var example = Path.Combine(RepositoryPaths.Root, "examples", "gateway-api");
        _scenario = await Scenario.StartAsync(3, s =>
        {
            var files = Directory.GetFiles(example, "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
            files["slices.yaml"] = Manifests.Slices("chat-blue", [s.Backends[0].Port], portName: "ws")
                + Manifests.Slices("chat-green", [s.Backends[1].Port], portName: "ws")
                + Manifests.Slices("chat-canary", [s.Backends[2].Port], portName: "ws");
            return files;
        }, "httproute/default/chat/1/0");
        await _scenario.Sockway.WaitForRouteAsync("httproute/default/chat/0/0", 1);
        // The client asks for chat.example.com; every connection goes to Sockway on loopback.
        var port = _scenario.Sockway.HttpUri.Port;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, port, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
    }

    public async Task DisposeAsync()
    {
        _invoker.Dispose();
        await _scenario.DisposeAsync();
    }

    [Fact]
    public async Task A_websocket_through_the_HTTPRoute_reaches_a_weighted_backend_and_echoes()
    {
        using var socket = await ConnectAsync();

        Assert.Contains(await socket.WhoAmIAsync(), new[] { "backend-0", "backend-1" });
        Assert.Equal("hello", await socket.RoundTripAsync("hello"));
    }

    [Fact]
    public async Task The_header_match_sends_canary_clients_to_the_canary_backend()
    {
        using var socket = await ConnectAsync(o => o.SetRequestHeader("X-Canary", "yes"));
        using var other = await ConnectAsync(o => o.SetRequestHeader("X-Canary", "no"));

        Assert.Equal("backend-2", await socket.WhoAmIAsync());
        Assert.NotEqual("backend-2", await other.WhoAmIAsync());
    }

    [Fact]
    public async Task Open_websockets_split_three_to_one_by_backendRef_weight()
    {
        // Least connections normalised by weight: each new tunnel goes where open/weight is lowest, so 40 held tunnels
        // settle at 30 on blue (weight 3) and 10 on green (weight 1), one either way for ties broken at random.
        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                sockets.Add(await ConnectAsync());
            }

            var names = new List<string>();
            foreach (var socket in sockets)
            {
                names.Add(await socket.WhoAmIAsync());
            }

            var blue = names.Count(n => n == "backend-0");
            Assert.InRange(blue, 29, 31);
            Assert.Equal(40 - blue, names.Count(n => n == "backend-1"));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_WebSocketPolicy_applies_its_allowed_origins()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(o => o.SetRequestHeader("Origin", "https://evil.example")));

        Assert.Contains("403", refused.Message + refused.InnerException?.Message, StringComparison.Ordinal);
        Assert.All(_scenario.Backends, b => Assert.DoesNotContain(b.Seen, r => r.IsWebSocket && r.Host == "evil.example"));
    }

    [Fact]
    public async Task A_plain_request_to_ports_declared_kubernetes_io_ws_is_answered_426()
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, _scenario.Sockway.HttpUri.Port, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });

        var response = await client.GetAsync($"http://{Host}/ws");

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.All(_scenario.Backends, b => Assert.DoesNotContain(b.Seen, r => !r.IsWebSocket));
    }

    [Fact]
    public async Task A_host_the_route_does_not_name_is_not_routed()
    {
        var failed = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(host: "other.example.com"));

        Assert.Contains("404", failed.Message + failed.InnerException?.Message, StringComparison.Ordinal);
    }

    private Task<ClientWebSocket> ConnectAsync(Action<ClientWebSocketOptions>? configure = null, string host = Host) =>
        WebSocketClient.ConnectAsync(new Uri($"ws://{host}/ws/room"), o =>
        {
            o.SetRequestHeader("Origin", AllowedOrigin);
            configure?.Invoke(o);
        }, _invoker);
}
