using System.Collections.Concurrent;
using System.Diagnostics;
using Sockway.Testing;
using Sockway.Tests.Balancing;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>Spans: one per upgrade attempt (request → 101 or rejection) with route, endpoint and outcome; one per config apply.</summary>
/// <remarks>The listener sees every test's spans, so this class runs alone.</remarks>
[Collection(nameof(TracingTests))]
[CollectionDefinition(nameof(TracingTests), DisableParallelization = true)]
public sealed class TracingTests
{
    [Fact]
    public async Task Upgrades_and_config_applies_produce_spans_with_route_endpoint_and_outcome()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Sockway",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var pool = await BackendPool.StartAsync(1, "allowedOrigins: [\"https://app.example.com\"]");

        using var socket = await WebSocketClient.ConnectAsync(pool.Uri);
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => WebSocketClient.ConnectAsync(pool.Uri, o => o.SetRequestHeader("Origin", "https://evil.example")));

        // A span ends just after its response is on the wire, so the client can be a moment ahead of it.
        List<Activity> upgrades = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(5); DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            upgrades = spans.Where(s => s.OperationName == "websocket.upgrade" && (string?)s.GetTagItem("sockway.route") == "default/pool").ToList();
            if (upgrades.Count >= 2)
            {
                break;
            }
        }

        Assert.Contains(upgrades, s => (string?)s.GetTagItem("sockway.outcome") == "success" && (string?)s.GetTagItem("sockway.endpoint") == $"127.0.0.1:{pool.Backends[0].Port}");
        Assert.Contains(upgrades, s => (string?)s.GetTagItem("sockway.outcome") == "origin_rejected");
        Assert.Contains(spans, s => s.OperationName == "config.apply");
    }
}
