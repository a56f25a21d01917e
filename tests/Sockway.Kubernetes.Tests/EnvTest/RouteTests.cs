using System.Net;
using System.Net.WebSockets;
using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>A route's life on a real API server, as a user drives it with kubectl: apply, status, Services and slices coming and going.</summary>
public sealed class RouteTests(EnvTestFixture fixture) : RealLaneTestBase(fixture)
{
    [SkippableFact]
    public async Task AppliedRoute_ReportsReadyStatusWithObservedGeneration_AndCarriesTraffic()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, pod);

        await Eventually.SucceedsAsync(async () =>
        {
            var route = (await Cluster.GetRouteAsync("chat"))!;
            Assert.Equal(1, route.Status?.ObservedGeneration);
            Assert.Equal(1, route.Status!.Endpoints);
            Assert.Equal(["Accepted", "ResolvedRefs", "Ready"], route.Status.Conditions!.Select(c => c.Type));
            Assert.All(route.Status.Conditions!, c => Assert.Equal("True", c.Status));
        });

        // A spec change bumps the generation; status follows it (and status writes never bump it).
        await Cluster.ApplyRouteAsync("chat", "/chat2", "echo");
        await Eventually.SucceedsAsync(async () =>
        {
            var route = (await Cluster.GetRouteAsync("chat"))!;
            Assert.Equal(2, route.Metadata.Generation);
            Assert.Equal(2, route.Status?.ObservedGeneration);
            Assert.All(route.Status!.Conditions!, c => Assert.Equal(2, c.ObservedGeneration));
        });

        RequireTraffic();
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == $"{Ns}/chat" && r.Path == "/chat2"));
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat2"));
        Assert.Equal("hello", await socket.RoundTripAsync("hello"));
        Assert.Equal("a", await socket.WhoAmIAsync());
    }

    [SkippableFact]
    public async Task DeletedService_ReportsBackendNotFound_AndRecreatedService_ServesAgain()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, pod);

        await Cluster.DeleteServiceAsync("echo");
        await Eventually.SucceedsAsync(async () =>
        {
            Assert.Equal(RouteConditions.Reasons.BackendNotFound, (await Cluster.RouteConditionAsync("chat", RouteConditions.ResolvedRefs))?.Reason);
            Assert.Equal("False", (await Cluster.RouteConditionAsync("chat", RouteConditions.Ready))?.Status);
        });
        if (Fixture.Network is not null)
        {
            using var refused = new ClientWebSocket();
            refused.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(sockway.WebSocketUri("/chat"), CancellationToken.None));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);
        }

        await Cluster.ApplyServiceAsync("echo");
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("chat", RouteConditions.Ready))?.Status));

        RequireTraffic();
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("a", await socket.WhoAmIAsync());
    }

    [SkippableFact]
    public async Task SliceAddedAndRemoved_EndpointsFollow_AndTheRemovedOnesTunnelsAreDrainedWith1001()
    {
        await StartAsync();
        var stays = await StartPodAsync("stays");
        var leaves = await StartPodAsync("leaves");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, stays);
        await Cluster.ApplyRouteJsonAsync("chat", $$$$"""
            {"apiVersion":"sockway.io/v1alpha1","kind":"WebSocketRoute","metadata":{"name":"chat","namespace":"{{{{Ns}}}}"},
             "spec":{"path":"/chat","backend":{"service":{"name":"echo","port":"http"}},"timeouts":{"drain":"2s"}}}
            """);
        await ApplySliceAsync(leaves);
        await sockway.WaitForRouteAsync($"{Ns}/chat", 2);
        await Eventually.SucceedsAsync(async () => Assert.Equal(2, (await Cluster.GetRouteAsync("chat"))?.Status?.Endpoints));

        ClientWebSocket? onLeaving = null;
        var others = new List<ClientWebSocket>();
        if (Fixture.Network is not null)
        {
            // Least connections puts one of two simultaneous tunnels on each endpoint.
            for (var i = 0; i < 2; i++)
            {
                var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
                if (await socket.WhoAmIAsync() == "leaves")
                {
                    onLeaving = socket;
                }
                else
                {
                    others.Add(socket);
                }
            }

            Assert.NotNull(onLeaving);
        }

        await Cluster.DeleteSliceAsync(SliceName(leaves));
        await sockway.WaitForRouteAsync($"{Ns}/chat", 1);
        await Eventually.SucceedsAsync(async () => Assert.Equal(1, (await Cluster.GetRouteAsync("chat"))?.Status?.Endpoints));

        RequireTraffic();
        var buffer = new byte[64];
        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var close = await onLeaving!.ReceiveAsync(buffer, window.Token);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close.CloseStatus);
        Assert.Equal("still here", await others.Single().RoundTripAsync("still here"));
        using var fresh = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("stays", await fresh.WhoAmIAsync());
        foreach (var socket in others.Append(onLeaving))
        {
            socket.Dispose();
        }
    }

    [SkippableFact]
    public async Task RouteClass_OnlyTheClassesRoutesAreServedAndGetStatus()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync("--route-class", "mine");
        await Cluster.ApplyServiceAsync("echo");
        await ApplySliceAsync(pod);
        await Cluster.ApplyRouteAsync("ours", "/ours", "echo", routeClass: "mine");
        await Cluster.ApplyRouteAsync("theirs", "/theirs", "echo", routeClass: "someone-else");
        await Cluster.ApplyRouteAsync("default-class", "/default", "echo");

        await sockway.WaitForRouteAsync($"{Ns}/ours", 1);
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("ours", RouteConditions.Ready))?.Status));
        Assert.DoesNotContain(sockway.Gateway.Current.Routes, r => r.Id != $"{Ns}/ours");
        Assert.Null((await Cluster.GetRouteAsync("theirs"))!.Status);
        Assert.Null((await Cluster.GetRouteAsync("default-class"))!.Status);

        RequireTraffic();
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/ours"));
        Assert.Equal("a", await socket.WhoAmIAsync());
    }

    [SkippableFact]
    public async Task RouteThatLeavesTheClass_IsNotLeftShowingReady()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync("--route-class", "mine");
        await Cluster.ApplyServiceAsync("echo");
        await ApplySliceAsync(pod);
        await Cluster.ApplyRouteAsync("ours", "/ours", "echo", routeClass: "mine");
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("ours", RouteConditions.Ready))?.Status));

        // The route moves to another class: it is no longer served, and its status must not keep saying Ready=True.
        await Cluster.ApplyRouteAsync("ours", "/ours", "echo", routeClass: "someone-else");
        await sockway.WaitForConfigAsync(c => c.Routes.All(r => r.Id != $"{Ns}/ours"));
        await Eventually.SucceedsAsync(async () =>
        {
            var route = (await Cluster.GetRouteAsync("ours"))!;
            var ready = route.Status?.Conditions?.FirstOrDefault(c => c.Type == RouteConditions.Ready);
            Assert.True(ready is null || (ready.Status != "True" && ready.ObservedGeneration == route.Metadata.Generation),
                $"a route that left the class still shows Ready={ready?.Status} for generation {ready?.ObservedGeneration} (now {route.Metadata.Generation})");
        });
    }

    [SkippableFact]
    public async Task EndpointsV1Mode_ServesFromV1Endpoints()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync("--use-endpoints-v1", "true");
        await Cluster.ApplyServiceAsync("echo");
        await Cluster.Client.CoreV1.CreateNamespacedEndpointsAsync(new V1Endpoints
        {
            Metadata = new V1ObjectMeta { Name = "echo" },
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = pod.Address }], Ports = [new Corev1EndpointPort { Name = "http", Port = pod.Port }] }],
        }, Ns);
        await Cluster.ApplyRouteAsync("chat", "/chat", "echo");

        await sockway.WaitForRouteAsync($"{Ns}/chat", 1, TimeSpan.FromSeconds(20));
        await Eventually.SucceedsAsync(async () => Assert.Equal(1, (await Cluster.GetRouteAsync("chat"))?.Status?.Endpoints));

        RequireTraffic();
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("a", await socket.WhoAmIAsync());
    }
}
