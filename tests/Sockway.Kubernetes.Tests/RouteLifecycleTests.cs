using System.Net;
using System.Net.WebSockets;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>What a user does with kubectl, and what they see: traffic through the gateway, and the route's status.</summary>
public sealed class RouteLifecycleTests : ClusterTestBase
{
    [Fact]
    public async Task AppliedRoute_CarriesTraffic_AndReportsReadyStatus()
    {
        var backend = await StartBackendAsync("echo-a");
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        Cluster.ApplyRoute("chat", "/chat", "echo");

        await Eventually.SucceedsAsync(async () =>
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
            Assert.Equal("hello", await socket.RoundTripAsync("hello"));
            Assert.Equal("echo-a", await socket.WhoAmIAsync());
        });

        await Eventually.TrueAsync(() => Cluster.RouteCondition("chat", RouteConditions.Ready)?.Status == "True", because: "Ready=True is written");
        var route = Cluster.GetRoute("chat");
        Assert.Equal(1, route.Status.ObservedGeneration);
        Assert.Equal(1, route.Status.Endpoints);
        Assert.Equal(["Accepted", "ResolvedRefs", "Ready"], route.Status.Conditions!.Select(c => c.Type));
        Assert.All(route.Status.Conditions!, c => Assert.Equal("True", c.Status));
    }

    [Fact]
    public async Task ScalingEndpoints_UpAndDown_NewConnectionsFollowTheEndpoints()
    {
        var backends = new[] { await StartBackendAsync("b1"), await StartBackendAsync("b2"), await StartBackendAsync("b3") };
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backends[0]);

        // Scale up: the new pods receive tunnels (least-connections spreads simultaneous ones over all three).
        Cluster.ApplySlice("echo", backends[1].Port);
        Cluster.ApplySlice("echo", backends[2].Port);
        await sockway.WaitForRouteAsync("default/chat", 3);
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 3; i++)
        {
            sockets.Add(await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat")));
        }

        var owners = new HashSet<string>();
        foreach (var socket in sockets)
        {
            owners.Add(await socket.WhoAmIAsync());
        }

        Assert.Equal(["b1", "b2", "b3"], owners.Order());
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 3, because: "status shows 3 endpoints");

        // Scale down to b3: every new tunnel goes there.
        Cluster.DeleteSlice("echo", backends[0].Port);
        Cluster.DeleteSlice("echo", backends[1].Port);
        await sockway.WaitForRouteAsync("default/chat", 1);
        for (var i = 0; i < 4; i++)
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
            Assert.Equal("b3", await socket.WhoAmIAsync());
        }

        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 1, because: "status shows 1 endpoint");
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task TerminatingEndpoint_GetsNoNewTunnels_ButKeepsItsOpenOne()
    {
        var stays = await StartBackendAsync("stays");
        var leaves = await StartBackendAsync("leaves");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, leaves);
        using var open = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("leaves", await open.WhoAmIAsync());

        Cluster.ApplySlice("echo", stays.Port);
        Cluster.ApplySlice("echo", leaves.Port, conditions: new V1EndpointConditions { Ready = false, Serving = true, Terminating = true });
        await sockway.WaitForConfigAsync(c => c.Routes.Single().Endpoints.Count == 2 && c.Routes.Single().Endpoints.Count(e => e.Ready) == 1);

        for (var i = 0; i < 4; i++)
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
            Assert.Equal("stays", await socket.WhoAmIAsync());
        }

        Assert.Equal("still here", await open.RoundTripAsync("still here"));
    }

    [Fact]
    public async Task DeletedService_RouteReportsBackendNotFound_AndUpgradesGet503()
    {
        var backend = await StartBackendAsync("echo");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backend);

        Cluster.Store.Delete(ApiDouble.ResourceKey.Services, "default", "echo");

        await Eventually.TrueAsync(() => Cluster.RouteCondition("chat", RouteConditions.ResolvedRefs)?.Reason == RouteConditions.Reasons.BackendNotFound,
            because: "ResolvedRefs=False BackendNotFound is written");
        Assert.Equal("False", Cluster.RouteCondition("chat", RouteConditions.Ready)!.Status);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(sockway.WebSocketUri("/chat"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, socket.HttpStatusCode);
    }

    [Fact]
    public async Task DualStackSlices_BothFamiliesBecomeEndpoints_NamedTargetPortResolvedThroughSlicePorts()
    {
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo", portName: "http", port: 80, targetPort: "ws");
        Cluster.ApplySlice("echo", 8081, address: "127.0.0.1");
        Cluster.ApplySlice("echo", 8082, address: "::1");
        Cluster.ApplyRoute("chat", "/chat", "echo", port: "80");

        var config = await sockway.WaitForRouteAsync("default/chat", 2);
        var endpoints = config.Routes.Single().Endpoints.Select(e => e.Key).Order().ToList();
        Assert.Equal(["127.0.0.1:8081", "[::1]:8082"], endpoints);
    }
}
