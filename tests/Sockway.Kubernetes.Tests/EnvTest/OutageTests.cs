using System.Diagnostics;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// The API server goes away for 20 s and comes back (same etcd): tunnels are kept throughout, and a change made once
/// it is back is served within 2 s — with the production backoff (250 ms doubling to 30 s), not the tests' short one.
/// Last in the lane's order of names is irrelevant: the fixture's server is started again before the test ends.
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

        var back = Stopwatch.StartNew();
        await ApplySliceAsync(second);
        await sockway.WaitForRouteAsync($"{Ns}/chat", 2, TimeSpan.FromSeconds(30));
        output.WriteLine($"change made after the restart served after {back.ElapsedMilliseconds} ms");
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2), $"the change after the restart took {back.ElapsedMilliseconds} ms to be served");

        if (tunnel is not null)
        {
            Assert.Equal("after", await tunnel.RoundTripAsync("after"));
            tunnel.Dispose();
        }
    }
}
