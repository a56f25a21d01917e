using System.Net;
using System.Net.WebSockets;
using Sockway.Testing;
using Sockway.Tests.Balancing;
using Sockway.Tests.Gateway;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>Real traffic, then a real scrape of /metrics on the management port: the numbers an operator would read.</summary>
public sealed class MetricsTests
{
    private const string Route = "default/pool";

    [Fact]
    public async Task Open_connections_are_a_gauge_per_route_and_endpoint()
    {
        await using var pool = await BackendPool.StartAsync(2);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_websocket_connections", ("route", Route)) == 10);

        Assert.Equal(10, scrape.Sum("sockway_websocket_connections", ("route", Route)));
        await ConnectionBalancingTests.WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 10);
        foreach (var backend in pool.Backends)
        {
            // Per endpoint, the gauge is what that backend really holds (about 5 each).
            Assert.Equal(backend.OpenSockets, scrape.Sum("sockway_websocket_connections", ("route", Route), ("endpoint", $"127.0.0.1:{backend.Port}")));
            Assert.InRange(backend.OpenSockets, 4, 6);
        }

        Assert.Equal(10, scrape.Sum("sockway_websocket_upgrades_total", ("route", Route), ("outcome", "success")));
        await ConnectionBalancingTests.CloseAll(sockets);
        scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_websocket_connections", ("route", Route)) == 0);
        Assert.Equal(0, scrape.Sum("sockway_websocket_connections", ("route", Route)));
    }

    [Fact]
    public async Task Closes_are_counted_by_initiator_reason_and_code_and_messages_by_direction()
    {
        await using var pool = await BackendPool.StartAsync(2, "timeouts:\n  drain: 500ms");
        var sockets = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        foreach (var socket in sockets)
        {
            for (var i = 0; i < 3; i++)
            {
                await socket.RoundTripAsync($"message {i}");
            }
        }

        // Two clients leave with their own code; the other two are drained by the gateway.
        await sockets[0].CloseAsync((WebSocketCloseStatus)4000, "bye", CancellationToken.None);
        await sockets[1].CloseAsync((WebSocketCloseStatus)4000, "bye", CancellationToken.None);
        var names = await Task.WhenAll(sockets.Skip(2).Select(s => s.WhoAmIAsync()));
        foreach (var backend in pool.Backends.Where(b => names.Contains(b.Name)).ToList())
        {
            await pool.RemoveAsync(backend);
        }

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri,
            s => s.Sum("sockway_websocket_closes_total", ("route", Route)) == 4);

        Assert.Equal(2, scrape.Sum("sockway_websocket_closes_total", ("route", Route), ("initiator", "client"), ("reason", "graceful"), ("code", "4000-4999")));
        Assert.Equal(2, scrape.Sum("sockway_websocket_closes_total", ("route", Route), ("initiator", "gateway"), ("reason", "drain"), ("code", "1001")));
        Assert.Equal(4, scrape.Sum("sockway_websocket_connection_duration_seconds_count", ("route", Route)));
        // 12 echoes plus 2 whoami questions went to the backends; as many answers came back.
        Assert.Equal(14, scrape.Sum("sockway_websocket_messages_total", ("route", Route), ("direction", "to_backend")));
        Assert.Equal(14, scrape.Sum("sockway_websocket_messages_total", ("route", Route), ("direction", "to_client")));
        Assert.True(scrape.Sum("sockway_websocket_bytes_total", ("route", Route), ("direction", "to_backend")) > 14 * 9);
    }

    [Fact]
    public async Task Rejected_upgrades_are_counted_by_reason()
    {
        await using var pool = await BackendPool.StartAsync(1, "allowedOrigins: [\"https://app.example.com\"]\nlimits:\n  maxConnectionsPerRoute: 1");
        using var held = await WebSocketClient.ConnectAsync(pool.Uri);
        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(pool.Uri));
        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(pool.Uri, o => o.SetRequestHeader("Origin", "https://evil.example")));
        await RawHttp.SendAsync(pool.Sockway.HttpUri.Port, "GET /pool HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri,
            s => s.Sum("sockway_websocket_upgrades_total", ("route", Route)) == 4);

        Assert.Equal(1, scrape.Sum("sockway_websocket_upgrades_total", ("route", Route), ("outcome", "success")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_upgrades_total", ("route", Route), ("outcome", "limit_reached")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_upgrades_total", ("route", Route), ("outcome", "origin_rejected")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_upgrades_total", ("route", Route), ("outcome", "bad_handshake")));
    }

    [Fact]
    public async Task Config_applies_are_counted_and_the_last_success_is_recent()
    {
        await using var pool = await BackendPool.StartAsync(1);
        await pool.AddBackendAsync();

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_config_applies_total", ("result", "success")) >= 2);

        Assert.True(scrape.Sum("sockway_config_applies_total", ("result", "success")) >= 2);
        Assert.Equal(0, scrape.Sum("sockway_config_applies_total", ("result", "failure")));
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - scrape.Sum("sockway_config_last_success_timestamp_seconds"), 0, 60);
        Assert.Equal(1, scrape.Sum("sockway_routes", ("state", "ready")));
    }

    [Fact]
    public async Task Metrics_are_served_on_the_management_port_only()
    {
        await using var pool = await BackendPool.StartAsync(1);
        using var http = new HttpClient();

        var onProxyPort = await http.GetAsync(new Uri(pool.Sockway.HttpUri, "/metrics"));

        Assert.DoesNotContain("sockway_", await onProxyPort.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(pool.Sockway.ManagementUri, "/metrics"))).StatusCode);
    }
}
