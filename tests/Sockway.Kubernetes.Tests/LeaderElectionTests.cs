using k8s;
using k8s.Models;
using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Two replicas: both serve traffic, exactly one writes status, and the other takes over when the lease lapses.</summary>
public sealed class LeaderElectionTests : ClusterTestBase
{
    [Fact]
    public async Task TwoReplicas_BothServe_ExactlyOneWritesStatus_TheOtherTakesOverWhenTheLeaseLapses()
    {
        var backends = new[] { await StartBackendAsync("b1"), await StartBackendAsync("b2") };
        // No release on shutdown: the leader vanishes as a crashed pod would, and its lease has to lapse.
        var first = await StartSockwayAsync("--Sockway:LeaderElection:Identity", "replica-a", "--Sockway:LeaderElection:ReleaseOnShutdown", "false");
        var second = await StartSockwayAsync("--Sockway:LeaderElection:Identity", "replica-b", "--Sockway:LeaderElection:ReleaseOnShutdown", "false");
        await ServeChatAsync(first, backends[0]);
        await second.WaitForRouteAsync("default/chat", 1);

        await Eventually.TrueAsync(() => first.Leadership.IsLeader ^ second.Leadership.IsLeader, because: "exactly one replica leads");
        var (leader, follower) = first.Leadership.IsLeader ? (first, second) : (second, first);
        Assert.Equal(leader.Leadership.Identity, Lease().Spec.HolderIdentity);
        foreach (var replica in new[] { leader, follower })
        {
            using var socket = await WebSocketClient.ConnectAsync(replica.WebSocketUri("/chat"));
            Assert.Equal("b1", await socket.WhoAmIAsync());
        }

        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 1);
        Cluster.ApplySlice("echo", backends[1].Port);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 2);
        await Task.Delay(500);
        Assert.Equal(0, follower.StatusWriter.Writes);
        Assert.Equal(Api.CountCalls("patch", "websocketroutes/status"), leader.StatusWriter.Writes);

        // The leader goes away without a word; once its lease lapses the follower leads and writes.
        await leader.DisposeAsync();
        await Eventually.TrueAsync(() => follower.Leadership.IsLeader, TimeSpan.FromSeconds(15), "the follower takes over the lapsed lease");
        Assert.Equal(follower.Leadership.Identity, Lease().Spec.HolderIdentity);
        Cluster.DeleteSlice("echo", backends[0].Port);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 1, because: "the new leader writes status");
        // The API server shows the patch a moment before the writer, awaiting the response, counts it.
        await Eventually.TrueAsync(() => follower.StatusWriter.Writes > 0, because: "the write was the new leader's");
        using var after = await WebSocketClient.ConnectAsync(follower.WebSocketUri("/chat"));
        Assert.Equal("b2", await after.WhoAmIAsync());
    }

    [Fact]
    public async Task NewLeader_DoesNotRewriteStatusThatIsAlreadyCurrent()
    {
        var backend = await StartBackendAsync("b1");
        var first = await StartSockwayAsync();
        await ServeChatAsync(first, backend);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 1);
        var writes = Api.CountCalls("patch", "websocketroutes/status");

        await first.DisposeAsync();
        var second = await StartSockwayAsync();
        await Eventually.TrueAsync(() => second.Leadership.IsLeader, TimeSpan.FromSeconds(15), "the second replica leads");
        await second.WaitForRouteAsync("default/chat", 1);
        await Task.Delay(1000);
        Assert.Equal(writes, Api.CountCalls("patch", "websocketroutes/status"));
    }

    [Fact]
    public async Task GracefulStop_ReleasesTheLease_SoTheOtherReplicaLeadsLongBeforeItWouldLapse()
    {
        string[] longLease = ["--Sockway:LeaderElection:LeaseDuration", "00:01:00", "--Sockway:LeaderElection:RenewDeadline", "00:00:50"];
        var first = await StartSockwayAsync(longLease);
        await Eventually.TrueAsync(() => first.Leadership.IsLeader);
        var second = await StartSockwayAsync(longLease);
        await Task.Delay(500);
        Assert.False(second.Leadership.IsLeader);

        await first.DisposeAsync();

        await Eventually.TrueAsync(() => second.Leadership.IsLeader, TimeSpan.FromSeconds(10), "the released lease is taken at once, not after a minute");
        Assert.Equal(second.Leadership.Identity, Lease().Spec.HolderIdentity);
    }

    private V1Lease Lease() => KubernetesJson.Deserialize<V1Lease>(Api.Store.Get(ResourceKey.Leases, "sockway-system", "sockway-sockway")!.ToJsonString());
}
