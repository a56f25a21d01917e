using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Limits;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Limits;

/// <summary>
/// Per-client limits end to end: real sockets from distinct loopback sources into a real Sockway (on a hand-moved
/// clock) in front of a real backend. Over a limit: 429 with Retry-After, and the backend never sees the handshake.
/// </summary>
public sealed class ClientLimitTests(ClientLimitTests.Host host) : IClassFixture<ClientLimitTests.Host>
{
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.2");
    private readonly Scenario _scenario = host.Scenario;
    private readonly ManualClock _clock = host.Clock;

    public sealed class Host : IAsyncLifetime
    {
        public ManualClock Clock { get; } = new();

        public Scenario Scenario { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
            {
                ["routes.yaml"] = Manifests.Join(
                    Manifests.Route("conn", "/conn", "echo", extraSpec: "limits: {maxConnectionsPerClient: 2}"),
                    Manifests.Route("rate", "/rate", "echo", extraSpec: "limits: {handshakesPerSecondPerClient: 1, handshakeBurstPerClient: 3}"),
                    Manifests.Service("echo")) + Manifests.Slices("echo", [s.Backend.Port]),
            }, "default/rate", services => services.AddSingleton<TimeProvider>(Clock), false, "--trusted-proxies", "127.0.0.2/32");

        public Task DisposeAsync() => Scenario.DisposeAsync().AsTask();
    }

    private int Port => _scenario.Sockway.HttpUri.Port;

    private int SeenOn(string path) => _scenario.Backend.Seen.Count(r => r.Path == path);

    [Fact]
    public async Task Open_connections_over_the_cap_get_429_and_the_backend_never_sees_them()
    {
        var client = IPAddress.Parse("127.0.1.1");
        using var first = await RawHandshake.OpenAsync(client, Port, "/conn/cap");
        using var second = await RawHandshake.OpenAsync(client, Port, "/conn/cap");
        Assert.Equal(101, first.Status);
        Assert.Equal(101, second.Status);

        using var third = await RawHandshake.OpenAsync(client, Port, "/conn/cap");
        Assert.Equal(429, third.Status);
        Assert.Equal("5", third.RetryAfter);
        Assert.Equal(2, SeenOn("/conn/cap"));

        // Another client is not affected.
        using var other = await RawHandshake.OpenAsync(IPAddress.Parse("127.0.1.2"), Port, "/conn/cap");
        Assert.Equal(101, other.Status);

        // A closed tunnel gives its slot back.
        first.Dispose();
        await Eventually.SucceedsAsync(async () =>
        {
            using var again = await RawHandshake.OpenAsync(client, Port, "/conn/cap");
            Assert.Equal(101, again.Status);
        });

        var scrape = await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri,
            s => s.Sum("sockway_limits_rejections_total", ("route", "default/conn"), ("reason", EdgeMetrics.ConnectionsPerClient)) >= 1);
        Assert.True(scrape.Sum("sockway_websocket_upgrades_total", ("route", "default/conn"), ("outcome", "client_limited")) >= 1);
    }

    [Fact]
    public async Task Handshakes_over_the_rate_get_429_with_the_wait_and_pass_again_once_a_token_is_back()
    {
        var client = IPAddress.Parse("127.0.2.1");
        for (var i = 0; i < 3; i++)
        {
            using var admitted = await RawHandshake.OpenAsync(client, Port, "/rate/burst");
            Assert.Equal(101, admitted.Status);
        }

        using (var refused = await RawHandshake.OpenAsync(client, Port, "/rate/burst"))
        {
            Assert.Equal(429, refused.Status);
            Assert.Equal("1", refused.RetryAfter);
        }

        Assert.Equal(3, SeenOn("/rate/burst"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        using (var later = await RawHandshake.OpenAsync(client, Port, "/rate/burst"))
        {
            Assert.Equal(101, later.Status);
        }

        Assert.Equal(4, SeenOn("/rate/burst"));
        await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri,
            s => s.Sum("sockway_limits_rejections_total", ("route", "default/rate"), ("reason", EdgeMetrics.HandshakesPerClient)) >= 1);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy()
    {
        const string path = "/conn/forwarded";
        using var first = await RawHandshake.OpenAsync(Proxy, Port, path, "X-Forwarded-For: 203.0.113.50");
        using var second = await RawHandshake.OpenAsync(Proxy, Port, path, "X-Forwarded-For: 203.0.113.50");
        using var third = await RawHandshake.OpenAsync(Proxy, Port, path, "X-Forwarded-For: 203.0.113.50");
        using var neighbour = await RawHandshake.OpenAsync(Proxy, Port, path, "X-Forwarded-For: 203.0.113.51");

        Assert.Equal([101, 101, 429, 101], new[] { first.Status, second.Status, third.Status, neighbour.Status });
        Assert.Equal(3, SeenOn(path));
    }

    [Fact]
    public async Task A_client_cannot_pose_as_another_with_X_Forwarded_For_unless_it_is_a_trusted_proxy()
    {
        const string path = "/conn/spoof";
        var client = IPAddress.Parse("127.0.3.1");
        using var first = await RawHandshake.OpenAsync(client, Port, path, "X-Forwarded-For: 203.0.113.60");
        using var second = await RawHandshake.OpenAsync(client, Port, path, "X-Forwarded-For: 203.0.113.61");
        using var third = await RawHandshake.OpenAsync(client, Port, path, "X-Forwarded-For: 203.0.113.62");

        Assert.Equal([101, 101, 429], new[] { first.Status, second.Status, third.Status });
    }
}
