using Sockway.Gateway.Configuration;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>A rollout's burst of endpoint changes reaches the gateway as a handful of pushes, not one per change.</summary>
public sealed class CoalescingTests : ClusterTestBase
{
    [Fact]
    public async Task RolloutOf50Endpoints_IsAHandfulOfGatewayPushes()
    {
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplyRoute("chat", "/chat", "echo");
        await sockway.WaitForRouteAsync("default/chat", 0);
        var pushes = 0;
        void Count(GatewayConfig _) => Interlocked.Increment(ref pushes);
        sockway.Gateway.Applied += Count;

        for (var i = 0; i < 50; i++)
        {
            Cluster.ApplySlice("echo", 30000 + i);
        }

        await sockway.WaitForRouteAsync("default/chat", 50);
        sockway.Gateway.Applied -= Count;
        Assert.InRange(pushes, 1, 10);
    }
}
