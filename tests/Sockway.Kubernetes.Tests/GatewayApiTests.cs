using System.Net.WebSockets;
using System.Text.Json.Nodes;
using k8s;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Kubernetes mode against the API double: Gateway API objects served with status written, and a cluster without the CRDs.</summary>
public sealed class GatewayApiTests : ClusterTestBase
{
    [Fact]
    public async Task A_Gateway_HTTPRoute_and_WebSocketPolicy_carry_websockets_and_get_status()
    {
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        ApplyGatewayApi(Cluster);

        await sockway.WaitForRouteAsync("httproute/default/chat/0/0", 1);
        using (var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"), o => o.SetRequestHeader("Origin", "https://chat.example.com")))
        {
            Assert.Equal("b1", await socket.WhoAmIAsync());
        }

        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"), o => o.SetRequestHeader("Origin", "https://evil.example")));
        await Eventually.TrueAsync(() => Condition(Get<GatewayClass>(ResourceKey.GatewayClasses, null, "sockway").Status?.Conditions, "Accepted") == "True"
            && Get<GatewayResource>(ResourceKey.Gateways, "default", "web").Status?.Listeners?.SingleOrDefault()?.AttachedRoutes == 1
            && Condition(Get<HttpRoute>(ResourceKey.HttpRoutes, "default", "chat").Status?.Parents?.SingleOrDefault(p => p.ControllerName == GatewayApi.ControllerName)?.Conditions, "Accepted") == "True"
            && Condition(Get<WebSocketPolicy>(ResourceKey.WebSocketPolicies, "default", "chat").Status?.Ancestors?.SingleOrDefault()?.Conditions, "Accepted") == "True",
            because: "every Gateway API object Sockway owns shows its status");
    }

    [Fact]
    public async Task Another_controllers_parent_entry_is_kept_when_Sockway_writes_its_own()
    {
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        ApplyGatewayApi(Cluster);
        await sockway.WaitForRouteAsync("httproute/default/chat/0/0", 1);
        await Eventually.TrueAsync(() => Get<HttpRoute>(ResourceKey.HttpRoutes, "default", "chat").Status?.Parents?.Count == 1);

        var theirs = new JsonObject
        {
            ["parentRef"] = new JsonObject { ["name"] = "mesh" },
            ["controllerName"] = "example.com/other",
            ["conditions"] = new JsonArray(),
        };
        Api.Store.Patch(ResourceKey.HttpRoutes, "default", "chat", new JsonObject { ["status"] = new JsonObject { ["parents"] = new JsonArray(theirs) } }, statusOnly: true);
        // A spec change makes Sockway write again; it must put its entry back next to the other controller's.
        Cluster.Apply(ResourceKey.HttpRoutes, Load<HttpRoute>(GatewayApiManifests.Route("chat", "/chat2", "echo")));

        await Eventually.TrueAsync(() => Get<HttpRoute>(ResourceKey.HttpRoutes, "default", "chat").Status?.Parents is { Count: 2 } parents
            && parents.Any(p => p.ControllerName == "example.com/other") && parents.Any(p => p.ControllerName == GatewayApi.ControllerName),
            because: "status.parents entries of other controllers are theirs");
    }

    [Fact]
    public async Task Without_the_Gateway_API_CRDs_WebSocketRoutes_are_still_served_and_the_log_says_why()
    {
        Api.AbsentGroups.Add(GatewayApi.Group);
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync();

        await ServeChatAsync(sockway, backend);

        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("b1", await socket.WhoAmIAsync());
        Assert.True(sockway.Source.HasSynced);
        Assert.Contains(sockway.Logs.Lines, l => l.Contains("gatewayclasses.gateway.networking.k8s.io", StringComparison.Ordinal) && l.Contains("is not available", StringComparison.Ordinal)
            && l.Contains("404", StringComparison.Ordinal));
    }

    internal static void ApplyGatewayApi(Cluster cluster)
    {
        cluster.Apply(ResourceKey.GatewayClasses, Load<GatewayClass>(GatewayApiManifests.Class()));
        cluster.Apply(ResourceKey.Gateways, Load<GatewayResource>(GatewayApiManifests.Gateway()));
        cluster.Apply(ResourceKey.HttpRoutes, Load<HttpRoute>(GatewayApiManifests.Route("chat", "/chat", "echo")));
        cluster.Apply(ResourceKey.WebSocketPolicies, Load<WebSocketPolicy>(GatewayApiManifests.Policy("chat", "chat", "https://chat.example.com")));
    }

    private static T Load<T>(string yaml) => KubernetesYaml.Deserialize<T>(yaml);

    private T Get<T>(ResourceKey resource, string? ns, string name) => KubernetesJson.Deserialize<T>(Api.Store.Get(resource, ns, name)!.ToJsonString());

    private static string? Condition(IList<k8s.Models.V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type)?.Status;
}
