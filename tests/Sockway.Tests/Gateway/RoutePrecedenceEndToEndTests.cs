using System.Net;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// The reproductions, end to end: a host-specific route beats an any-host route with a longer path, over plain HTTP
/// and TLS, and Exact paths are byte-exact. Each route has its own backend, which answers plain GETs with its name.
/// </summary>
public sealed class RoutePrecedenceEndToEndTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        var (cert, key) = TestCertificates.Create("b.test");
        _scenario = await Scenario.StartAsync(4, s => new Dictionary<string, string>
        {
            ["routes.yaml"] = Manifests.Join(
                Manifests.Route("root", "/", "root", hosts: "root.test"),
                Manifests.Service("root"),
                Manifests.Route("any", "/ws", "any"),
                Manifests.Service("any"),
                Manifests.Route("b", "/", "b", hosts: "b.test", extraSpec: "tls:\n  secretName: b-tls"),
                Manifests.Service("b"),
                TestCertificates.SecretYaml("b-tls", cert, key),
                Manifests.Route("exact", "/exact", "exact", extraSpec: "pathType: Exact"),
                Manifests.Service("exact"))
                + Manifests.Slices("root", [s.Backends[0].Port]) + Manifests.Slices("any", [s.Backends[1].Port])
                + Manifests.Slices("b", [s.Backends[2].Port]) + Manifests.Slices("exact", [s.Backends[3].Port]),
        }, "default/exact", https: true);
        foreach (var route in new[] { "default/root", "default/any", "default/b" })
        {
            await _scenario.Sockway.WaitForRouteAsync(route, 1);
        }
    }

    [Theory]
    [InlineData("root.test", "/ws", "backend-0")]
    [InlineData("ROOT.test", "/ws/room", "backend-0")]
    [InlineData("other.test", "/ws", "backend-1")]
    [InlineData("b.test", "/ws", "backend-2")]
    [InlineData("other.test", "/exact", "backend-3")]
    public async Task A_plain_request_goes_to_the_route_Gateway_API_would(string host, string path, string backend)
    {
        var (status, body) = await GetAsync(host, path);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(backend, body);
    }

    [Theory]
    [InlineData("/exact/")]
    [InlineData("/EXACT")]
    [InlineData("/Ws")]
    [InlineData("/wsx")]
    public async Task Exact_and_case_sensitive_paths_do_not_match_their_look_alikes(string path)
    {
        var (status, _) = await GetAsync("other.test", path);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.All(_scenario.Backends, b => Assert.DoesNotContain(b.Seen, r => r.Path == path));
    }

    [Fact]
    public async Task A_websocket_for_a_host_goes_to_that_hosts_route()
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _scenario.Sockway.HttpUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("root.test", "/ws")));

        Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(stream));
        Assert.Contains(_scenario.Backends[0].Seen, r => r.IsWebSocket && r.Path == "/ws");
        Assert.DoesNotContain(_scenario.Backends[1].Seen, r => r.IsWebSocket);
    }

    [Fact]
    public async Task Over_tls_a_hosts_own_route_wins_over_an_any_host_route()
    {
        using var invoker = new HttpMessageInvoker(Http2WebSocketTests.LoopbackTlsHandler("b.test"));
        using var socket = await WebSocketClient.ConnectAsync(new Uri($"wss://b.test:{_scenario.Sockway.HttpsUri!.Port}/ws"), invoker: invoker);

        Assert.Equal("backend-2", await socket.WhoAmIAsync());
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string host, string path)
    {
        using var http = host == "b.test"
            ? new HttpClient(Http2WebSocketTests.LoopbackTlsHandler("b.test")) { BaseAddress = new Uri($"https://b.test:{_scenario.Sockway.HttpsUri!.Port}") }
            : new HttpClient { BaseAddress = _scenario.Sockway.HttpUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host != "b.test")
        {
            request.Headers.Host = host;
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}
