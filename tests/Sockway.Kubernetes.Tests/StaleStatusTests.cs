using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>A route that leaves this installation's route class does not keep the Ready=True it was given here.</summary>
public sealed class StaleStatusTests : ClusterTestBase
{
    [Fact]
    public async Task A_route_moved_to_another_class_loses_the_status_it_was_served_with()
    {
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        Cluster.ApplyRoute("chat", "/chat", "echo");
        await Eventually.TrueAsync(() => Cluster.RouteCondition("chat", RouteConditions.Ready)?.Status == "True");

        Cluster.ApplyRoute("chat", "/chat", "echo", routeClass: "elsewhere");

        await sockway.WaitForConfigAsync(c => c.Routes.Count == 0);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status is null, because: "the stale Ready=True status should be removed");
        Assert.Equal(2, Cluster.GetRoute("chat").Metadata.Generation);
    }
}
