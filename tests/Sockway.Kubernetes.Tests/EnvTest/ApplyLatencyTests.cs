using System.Diagnostics;
using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// How long from `kubectl apply` of a route to the first WebSocket upgrade through it, on a real API server: printed
/// (p50/p99 over 20 routes) for the closing notes, not asserted — timing belongs in bench/, this only measures it
/// where the real watch path is. Each trial must succeed, though: a route that is never served fails the test.
/// </summary>
public sealed class ApplyLatencyTests(EnvTestFixture fixture, ITestOutputHelper output) : RealLaneTestBase(fixture)
{
    private const int Trials = 20;

    [SkippableFact]
    public async Task RouteApplied_ToFirstSuccessfulUpgrade_OverTwentyRoutes()
    {
        await StartAsync();
        RequireTraffic();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, pod);

        var samples = new List<double>();
        for (var i = 0; i < Trials; i++)
        {
            var path = $"/latency-{i}";
            var clock = Stopwatch.StartNew();
            await Cluster.ApplyRouteAsync($"latency-{i}", path, "echo");
            await UpgradeAsync(sockway.WebSocketUri(path));
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        var p50 = samples[(int)Math.Ceiling(0.50 * samples.Count) - 1];
        var p99 = samples[(int)Math.Ceiling(0.99 * samples.Count) - 1];
        output.WriteLine($"route applied -> first successful upgrade over {samples.Count} trials: p50 {p50:F0} ms, p99 {p99:F0} ms, min {samples[0]:F0} ms, max {samples[^1]:F0} ms");
        Assert.Equal(Trials, samples.Count);
    }

    /// <summary>Tries to upgrade until the route is served (a 404 before that), for at most 10 s.</summary>
    private static async Task UpgradeAsync(Uri uri)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var socket = await WebSocketClient.ConnectAsync(uri);
                Assert.Equal("a", await socket.WhoAmIAsync());
                return;
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }
        }
    }
}
