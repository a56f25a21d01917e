using k8s;
using System.Diagnostics;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// The API server goes away for 20 s and comes back (same etcd): tunnels are kept throughout, and a change made once
/// it is back is served within 2 s — with the production backoff (250 ms doubling to 30 s), not the tests' short one.
/// The shared server is started again (finally) before the test ends, so the lane's other tests are unaffected.
/// </summary>
public sealed class OutageTests(EnvTestFixture fixture, ITestOutputHelper output) : RealLaneTestBase(fixture)
{
    [SkippableFact]
    public async Task ApiServerDownFor20s_TunnelsKept_ChangesAfterRestartSeenWithin2s()
    {
        await StartAsync();
        var first = await StartPodAsync("first");
        var second = await StartPodAsync("second");
        var sockway = await StartSockwayAsync("--Sockway:Kubernetes:InitialBackoff", "00:00:00.250", "--Sockway:Kubernetes:MaxBackoff", "00:00:30");
        await ServeChatAsync(sockway, first);
        var tunnel = Fixture.Network is null ? null : await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        if (tunnel is not null)
        {
            Assert.Equal("first", await tunnel.WhoAmIAsync());
        }

        await Server.StopApiServerAsync();
        try
        {
            // The outage itself is what is under test: its length is the point, not a wait for something.
            await Task.Delay(TimeSpan.FromSeconds(20));
            Assert.False(sockway.Source.Informers.All(i => i.ConsecutiveFailures == 0), "the informers noticed the outage");
            if (tunnel is not null)
            {
                Assert.Equal("during", await tunnel.RoundTripAsync("during"));
            }
        }
        finally
        {
            await Server.StartApiServerAsync();
        }

        // Changes to every kind the controller watches: each informer has to be back, not just a lucky one.
        var back = Stopwatch.StartNew();
        await ApplySliceAsync(second);
        await Cluster.ApplyServiceAsync("late");
        await Cluster.ApplyRouteAsync("late", "/late", "late");
        await Cluster.Client.CoreV1.CreateNamespacedSecretAsync(new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "late-tls" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = [], ["tls.key"] = [] },
        }, Ns);
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == $"{Ns}/late")
            && c.Routes.Any(r => r.Id == $"{Ns}/chat" && r.Endpoints.Count(e => e.Ready) == 2), TimeSpan.FromSeconds(40));
        await Eventually.TrueAsync(() => sockway.Source.Informers.All(i => i.State == Controller.Sources.Kubernetes.InformerSyncState.Synced)
            && sockway.Source.Informers.Single(i => i.Name.StartsWith("secrets", StringComparison.Ordinal)).Count == 1, TimeSpan.FromSeconds(40));
        output.WriteLine($"changes made after the restart (slice, Service, route, Secret) all seen after {back.ElapsedMilliseconds} ms");
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2), $"the changes after the restart took {back.ElapsedMilliseconds} ms to be seen");

        if (tunnel is not null)
        {
            Assert.Equal("after", await tunnel.RoundTripAsync("after"));
            tunnel.Dispose();
        }
    }
}
