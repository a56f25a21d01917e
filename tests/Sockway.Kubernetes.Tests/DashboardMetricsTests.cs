using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>
/// deploy/grafana/sockway-dashboard.json only queries metrics Sockway exports: the dashboard's metric names are checked
/// against a real scrape of a Kubernetes-mode Sockway (so the watch-health metrics exist too) after real traffic.
/// </summary>
public sealed partial class DashboardMetricsTests : ClusterTestBase
{
    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_exported()
    {
        var backend = await StartBackendAsync("echo-a");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backend);
        using (var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat")))
        {
            await socket.RoundTripAsync("hello");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        using var held = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        await held.RoundTripAsync("still here");
        var wanted = DashboardMetricNames();

        var scrape = await PrometheusScrape.WaitForAsync(sockway.ManagementUri, s => wanted.All(s.Names.Contains));

        Assert.NotEmpty(wanted);
        Assert.Empty(wanted.Except(scrape.Names));
    }

    private static List<string> DashboardMetricNames()
    {
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "sockway-dashboard.json")));
        return json.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => MetricName().Matches(t.GetProperty("expr").GetString()!).Select(m => m.Value))
            .Distinct()
            .Order()
            .ToList();
    }

    [GeneratedRegex("sockway_[a-z_]+")]
    private static partial Regex MetricName();
}
