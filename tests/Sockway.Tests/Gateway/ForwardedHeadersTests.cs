using System.Text;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>X-Forwarded-* as a backend sees them, from a client Sockway trusts (a proxy in front) and from one it does not.</summary>
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private Scenario _untrusting = null!;
    private Scenario _trusting = null!;

    public async Task InitializeAsync()
    {
        _untrusting = await Start();
        // The test client is on loopback: here it plays the load balancer in front of Sockway.
        _trusting = await Start("--trusted-proxies", "10.0.0.0/8, 127.0.0.0/8");
    }

    private static Task<Scenario> Start(params string[] args) => Scenario.StartAsync(1, s => new Dictionary<string, string>
    {
        ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [s.Backend.Port]),
    }, "default/echo", false, args);

    [Fact]
    public async Task From_an_untrusted_client_they_are_replaced_with_what_Sockway_saw()
    {
        var seen = await GetAsync(_untrusting);

        Assert.Equal("127.0.0.1", seen.ForwardedFor);
        Assert.Equal("http", seen.ForwardedProto);
        Assert.Equal("a.test", seen.ForwardedHost);
    }

    [Fact]
    public async Task From_a_trusted_proxy_the_chain_is_kept_and_extended()
    {
        var seen = await GetAsync(_trusting);

        Assert.Equal("203.0.113.7, 127.0.0.1", seen.ForwardedFor);
        Assert.Equal("https", seen.ForwardedProto);
        Assert.Equal("public.example", seen.ForwardedHost);
    }

    [Fact]
    public async Task A_websocket_handshake_from_a_trusted_proxy_carries_the_chain_too()
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, _trusting.Sockway.HttpUri.Port);
        var stream = tcp.GetStream();
        var request = RawHttp.UpgradeRequest("a.test", "/ws?xff").Replace("\r\n\r\n", "\r\nX-Forwarded-For: 203.0.113.8\r\n\r\n", StringComparison.Ordinal);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));

        Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(stream));
        var seen = Assert.Single(_trusting.Backend.Seen, r => r.IsWebSocket);
        Assert.Equal("203.0.113.8, 127.0.0.1", seen.ForwardedFor);
    }

    private static async Task<SeenRequest> GetAsync(Scenario scenario)
    {
        using var http = new HttpClient { BaseAddress = scenario.Sockway.HttpUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ws/plain");
        request.Headers.Host = "a.test";
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "public.example");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return Assert.Single(scenario.Backend.Seen, r => r.Path == "/ws/plain");
    }

    public async Task DisposeAsync()
    {
        await _untrusting.DisposeAsync();
        await _trusting.DisposeAsync();
    }
}
