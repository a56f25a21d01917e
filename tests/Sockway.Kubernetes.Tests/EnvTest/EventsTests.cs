using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>What `kubectl get events` / `kubectl describe wsr` show on a real API server: a Warning Event for every condition that turns False.</summary>
public sealed class EventsTests(EnvTestFixture fixture) : RealLaneTestBase(fixture)
{
    [SkippableFact]
    public async Task UnresolvedRefs_GetWarningEventsOnTheRoute_WithItsUid()
    {
        await StartAsync();
        var sockway = await StartSockwayAsync();
        await Cluster.ApplyServiceAsync("echo");
        await Cluster.ApplyRouteAsync("no-service", "/a", "missing");
        await Cluster.ApplyRouteAsync("no-port", "/b", "echo", port: "grpc");
        await Cluster.ApplyRouteJsonAsync("no-secret", $$$$$"""
            {"apiVersion":"sockway.io/v1alpha1","kind":"WebSocketRoute","metadata":{"name":"no-secret","namespace":"{{{{{Ns}}}}}"},
             "spec":{"hosts":["chat.example.com"],"path":"/c","tls":{"secretName":"absent"},"backend":{"service":{"name":"echo","port":"http"}}}}
            """);
        await Cluster.ApplyRouteAsync("no-endpoints", "/d", "echo");

        foreach (var (route, reason) in new[]
        {
            ("no-service", RouteConditions.Reasons.BackendNotFound), ("no-port", RouteConditions.Reasons.PortNotFound),
            ("no-secret", RouteConditions.Reasons.SecretNotFound), ("no-endpoints", RouteConditions.Reasons.NoReadyEndpoints),
        })
        {
            await Eventually.SucceedsAsync(async () =>
            {
                var events = await Cluster.EventsForAsync("WebSocketRoute", route);
                var warning = Assert.Single(events, e => e.Reason == reason);
                Assert.Equal("Warning", warning.Type);
                Assert.Equal((await Cluster.GetRouteAsync(route))!.Metadata.Uid, warning.InvolvedObject.Uid);
                Assert.Equal(reason, (await Cluster.GetRouteAsync(route))!.Status?.Conditions?.First(c => c.Status == "False").Reason);
            }, TimeSpan.FromSeconds(15));
        }

        Assert.True(sockway.Source.HasSynced);
    }

    [SkippableFact]
    public async Task ConditionTurningFalseAgain_CountsOnTheSameEvent_AndADeletedRouteGetsNoEventWithoutUid()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, pod);

        for (var round = 1; round <= 2; round++)
        {
            await Cluster.DeleteServiceAsync("echo");
            await Eventually.SucceedsAsync(async () =>
                Assert.Equal(round, Assert.Single(await Cluster.EventsForAsync("WebSocketRoute", "chat"), e => e.Reason == RouteConditions.Reasons.BackendNotFound).Count));
            await Cluster.ApplyServiceAsync("echo");
            await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("chat", RouteConditions.Ready))?.Status));
        }

        // A conflicting route, deleted while rejected: the status loop sees it go, and no Event with an empty uid appears.
        await Cluster.ApplyRouteAsync("chat-copy", "/chat", "echo");
        await Eventually.SucceedsAsync(async () => Assert.Single(await Cluster.EventsForAsync("WebSocketRoute", "chat-copy")));
        await Cluster.DeleteRouteAsync("chat-copy");
        await sockway.WaitForConfigAsync(_ => sockway.Source.GetRoute(new(Ns, "chat-copy")) is null);
        await Cluster.ApplyRouteAsync("later", "/later", "echo");
        await sockway.WaitForRouteAsync($"{Ns}/later", 1);
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("later", RouteConditions.Ready))?.Status));

        var all = (await Cluster.Client.CoreV1.ListNamespacedEventAsync(Ns)).Items;
        Assert.All(all, e => Assert.False(string.IsNullOrEmpty(e.InvolvedObject.Uid), $"Event {e.Metadata.Name} ({e.Reason}) has no involvedObject.uid"));
        Assert.Single(all, e => e.InvolvedObject.Name == "chat-copy");
    }
}
