using Sockway.Testing;
using Sockway.Tests.Balancing;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>What a scrape shows before any traffic, and what it leaves out.</summary>
/// <remarks>
/// Run apart from the rest (the tracing tests' non-parallel collection): the exact count of http.server requests
/// exceeded 1 once in a full parallel run, where other tests' hosts proxy plain requests in the same process.
/// </remarks>
[Collection(nameof(TracingTests))]
public sealed class TelemetryTruthTests
{
    private const string Route = "default/pool";

    [Fact]
    public async Task Every_served_route_and_ready_endpoint_has_a_zero_series_before_any_tunnel()
    {
        await using var pool = await BackendPool.StartAsync(2);

        var scrape = await PrometheusScrape.FetchAsync(pool.Sockway.ManagementUri);

        foreach (var backend in pool.Backends)
        {
            // "Open WebSockets" reads 0, not "No data".
            Assert.Equal([0.0], scrape.Values("sockway_websocket_connections", ("route", Route), ("endpoint", $"127.0.0.1:{backend.Port}")));
        }

        Assert.Equal([0.0], scrape.Values("sockway_websocket_upgrades_total", ("route", Route), ("outcome", "success")));
        foreach (var direction in new[] { "to_backend", "to_client" })
        {
            Assert.Equal([0.0], scrape.Values("sockway_websocket_messages_total", ("route", Route), ("direction", direction)));
            Assert.Equal([0.0], scrape.Values("sockway_websocket_bytes_total", ("route", Route), ("direction", direction)));
        }
    }

    [Fact]
    public async Task An_endpoint_that_leaves_drops_its_zero_series()
    {
        await using var pool = await BackendPool.StartAsync(2);
        var gone = pool.Backends[1];

        await pool.RemoveAsync(gone);

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri,
            s => s.Values("sockway_websocket_connections", ("endpoint", $"127.0.0.1:{gone.Port}")).Count == 0);
        Assert.Empty(scrape.Values("sockway_websocket_connections", ("endpoint", $"127.0.0.1:{gone.Port}")));
        Assert.Single(scrape.Values("sockway_websocket_connections", ("endpoint", $"127.0.0.1:{pool.Backends[0].Port}")));
    }

    [Fact]
    public async Task Probes_and_scrapes_stay_out_of_the_proxy_http_metrics()
    {
        await using var pool = await BackendPool.StartAsync(1);
        using var http = new HttpClient();
        for (var i = 0; i < 5; i++)
        {
            await http.GetStringAsync(new Uri(pool.Sockway.ManagementUri, "/readyz"));
            await http.GetStringAsync(new Uri(pool.Sockway.ManagementUri, "/healthz"));
            await http.GetStringAsync(new Uri(pool.Sockway.ManagementUri, "/metrics"));
        }

        // Plain HTTP through the proxy is what http.server.* describes.
        using var proxied = await http.GetAsync(new Uri(pool.Sockway.HttpUri, "/pool/plain"));

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("http_server_request_duration_seconds_count") >= 1);
        Assert.Equal(1, scrape.Sum("http_server_request_duration_seconds_count"));
    }
}
