using System.Diagnostics;
using k8s;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>Two replicas on a real Lease: one writes status, and the other takes over when the leader releases the lease or vanishes.</summary>
public sealed class LeaderElectionTests(EnvTestFixture fixture, ITestOutputHelper output) : RealLaneTestBase(fixture)
{
    [SkippableFact]
    public async Task GracefulStop_ReleasesTheLease_TheOtherReplicaLeadsLongBeforeItWouldLapse()
    {
        await StartAsync();
        string[] longLease = ["--Sockway:LeaderElection:LeaseDuration", "00:00:30", "--Sockway:LeaderElection:RenewDeadline", "00:00:20"];
        var (leader, follower) = await TwoReplicasAsync(longLease);

        var stopped = Stopwatch.StartNew();
        await leader.DisposeAsync();
        await Eventually.TrueAsync(() => follower.Leadership.IsLeader, TimeSpan.FromSeconds(10), "the released lease is taken at once, not after 30 s");
        output.WriteLine($"takeover after a graceful stop: {stopped.ElapsedMilliseconds} ms (lease duration 30 s)");
        Assert.Equal(follower.Leadership.Identity, await HolderAsync());
        await AssertNewLeaderWritesStatusAsync(follower);
    }

    [SkippableFact]
    public async Task LeaderThatVanishes_IsReplacedWhenItsLeaseLapses()
    {
        await StartAsync();
        var (leader, follower) = await TwoReplicasAsync(["--Sockway:LeaderElection:ReleaseOnShutdown", "false"]);

        var stopped = Stopwatch.StartNew();
        await leader.DisposeAsync();
        await Eventually.TrueAsync(() => follower.Leadership.IsLeader, TimeSpan.FromSeconds(15), "the follower takes over the lapsed lease");
        output.WriteLine($"takeover after the leader vanished: {stopped.ElapsedMilliseconds} ms (lease duration 2 s)");
        Assert.Equal(follower.Leadership.Identity, await HolderAsync());
        await AssertNewLeaderWritesStatusAsync(follower);
    }

    private async Task<(KubernetesSockway Leader, KubernetesSockway Follower)> TwoReplicasAsync(string[] args)
    {
        var pod = await StartPodAsync("a");
        var first = await StartSockwayAsync([.. args, "--Sockway:LeaderElection:Identity", "replica-a"]);
        var second = await StartSockwayAsync([.. args, "--Sockway:LeaderElection:Identity", "replica-b"]);
        await ServeChatAsync(first, pod);
        await second.WaitForRouteAsync($"{Ns}/chat", 1);
        await Eventually.TrueAsync(() => first.Leadership.IsLeader ^ second.Leadership.IsLeader, because: "exactly one replica leads");
        var (leader, follower) = first.Leadership.IsLeader ? (first, second) : (second, first);
        Assert.Equal(leader.Leadership.Identity, await HolderAsync());
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("chat", RouteConditions.Ready))?.Status));
        Assert.Equal(0, follower.StatusWriter.Writes);
        return (leader, follower);
    }

    private async Task AssertNewLeaderWritesStatusAsync(KubernetesSockway leader)
    {
        await Cluster.DeleteServiceAsync("echo");
        await Eventually.SucceedsAsync(async () =>
            Assert.Equal(RouteConditions.Reasons.BackendNotFound, (await Cluster.RouteConditionAsync("chat", RouteConditions.ResolvedRefs))?.Reason));
        await Eventually.TrueAsync(() => leader.StatusWriter.Writes > 0, because: "the write was the new leader's");
    }

    private async Task<string?> HolderAsync() =>
        (await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("sockway-sockway", Ns)).Spec.HolderIdentity;
}
