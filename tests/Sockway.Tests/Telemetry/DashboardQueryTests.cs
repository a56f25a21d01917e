using System.Text.Json;
using Sockway.Testing;
using Sockway.Tests.Balancing;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>
/// The Grafana dashboard's queries evaluated by a real Prometheus against real scrapes of a real Sockway — what a
/// panel would show. Skipped, with the reason, where no prometheus binary is installed.
/// </summary>
public sealed class DashboardQueryTests
{
    private const string Route = "default/pool";

    [SkippableFact]
    public async Task Balance_spread_counts_an_empty_endpoint_after_a_scale_up()
    {
        var binary = PrometheusServer.Find(out var why);
        Skip.If(binary is null, why);
        await using var pool = await BackendPool.StartAsync(2);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        await ConnectionBalancingTests.WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 4);
        // Scale-up: a third endpoint joins empty. The spread is busiest / mean over all three.
        var empty = await pool.AddBackendAsync();
        var held = pool.Backends.Select(b => (double)b.OpenSockets).ToList();
        var expected = held.Max() / held.Average();
        await using var prometheus = await PrometheusServer.StartAsync(binary!, pool.Sockway.ManagementUri);

        var spread = 0.0;
        await Eventually.SucceedsAsync(async () =>
        {
            var result = await prometheus.QueryAsync(PanelQuery("Balance spread (max/mean per route)"));
            Assert.Equal("success", result.Status);
            spread = Assert.Single(result.Vector, v => v.Labels.GetValueOrDefault("route") == Route).Value;
            Assert.Equal(expected, spread, 3);
        }, TimeSpan.FromSeconds(30));

        Assert.Equal(0, empty.OpenSockets);
        Assert.InRange(spread, 1.49, double.MaxValue);
        await ConnectionBalancingTests.CloseAll(sockets);
    }

    [SkippableFact]
    public async Task Every_dashboard_query_evaluates_and_open_websockets_read_zero_when_idle()
    {
        var binary = PrometheusServer.Find(out var why);
        Skip.If(binary is null, why);
        await using var pool = await BackendPool.StartAsync(2);
        await using var prometheus = await PrometheusServer.StartAsync(binary!, pool.Sockway.ManagementUri);

        // "Open WebSockets" reads 0 with no tunnel, not "No data".
        await Eventually.SucceedsAsync(async () => Assert.Equal(0, Assert.Single((await prometheus.QueryAsync(PanelQuery("Open WebSockets"))).Vector).Value),
            TimeSpan.FromSeconds(30));
        foreach (var expr in Queries().Select(q => q.Expr))
        {
            var (status, error, _) = await prometheus.QueryAsync(expr);
            Assert.True(status == "success", $"{expr}: {error}");
        }
    }

    private static string PanelQuery(string title) => Queries().Single(q => q.Title == title).Expr;

    private static List<(string Title, string Expr)> Queries()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "sockway-dashboard.json")));
        return json.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)))
            .ToList();
    }
}
