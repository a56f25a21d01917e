using System.Diagnostics;
using k8s;
using Sockway.Controller.Api.V1Alpha1;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// Many routes applied at once all get their status on a real API server, at the configured QPS/burst rather than one
/// patch after another, and the watches keep delivering meanwhile: a Service change made while the status writes are in
/// flight is served without waiting for them. (150 routes took 11.2 s one patch after another.) Bounded: 1,000 routes,
/// 120 s. The time is printed for the closing notes; the limits asserted are far above it.
/// </summary>
public sealed class StatusScaleTests(EnvTestFixture fixture, ITestOutputHelper output) : RealLaneTestBase(fixture)
{
    private const int Routes = 1_000;

    [SkippableFact]
    public async Task A_thousand_routes_applied_at_once_all_get_status_while_watches_keep_delivering()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync("--status-qps", "200", "--status-burst", "400");
        await ServeChatAsync(sockway, pod);

        var clock = Stopwatch.StartNew();
        var applied = 0;
        var applying = Parallel.ForEachAsync(Enumerable.Range(0, Routes), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            await Cluster.ApplyRouteAsync($"many-{i}", $"/many-{i}", "echo");
            Interlocked.Increment(ref applied);
        });

        // Halfway through, while routes are applied and their statuses written: a second Service with its slice and a
        // route to it must be served promptly (the watches are not starved by the status writes).
        while (Volatile.Read(ref applied) < Routes / 2 && !applying.IsCompleted)
        {
            await Task.Delay(50);
        }

        var watchClock = Stopwatch.StartNew();
        await Cluster.ApplyServiceAsync("late");
        await Cluster.ApplySliceAsync("late", "late-a", pod.Address, pod.Port);
        await Cluster.ApplyRouteAsync("late", "/late", "late");
        await sockway.WaitForRouteAsync($"{Ns}/late", 1, TimeSpan.FromSeconds(15));
        var watchDelivered = watchClock.Elapsed;
        var writesWhenServed = sockway.StatusWriter.Writes;
        await applying;
        var appliedIn = clock.Elapsed;
        await sockway.WaitForConfigAsync(c => c.Routes.Count == Routes + 2, TimeSpan.FromSeconds(60));

        // Listing 1,000 routes is not free: once a second, bounded by 120 s.
        var withStatus = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(120); withStatus < Routes + 2 && DateTime.UtcNow < deadline; await Task.Delay(1000))
        {
            var list = await Cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WebSocketRoute.Group, WebSocketRoute.Version, Ns, WebSocketRoute.Plural);
            var routes = KubernetesJson.Deserialize<WebSocketRouteList>(list.ToString()!).Items;
            withStatus = routes.Count(r => r.Status?.ObservedGeneration == r.Metadata.Generation && r.Status?.Conditions?.Count == 3);
        }

        Assert.True(withStatus == Routes + 2, $"{withStatus} of {Routes + 2} routes have status after 120 s");

        output.WriteLine($"{Routes} routes applied in {appliedIn.TotalSeconds:F1} s; all had status {clock.Elapsed.TotalSeconds:F1} s after the first apply; "
            + $"a Service change made meanwhile was served in {watchDelivered.TotalMilliseconds:F0} ms (after {writesWhenServed} status writes)");
        Assert.True(writesWhenServed < Routes, "the late Service was served only after the status writes were done, so this did not test the watches meanwhile");
    }
}
