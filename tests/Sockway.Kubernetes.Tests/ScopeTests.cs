using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Several installs coexist: route classes and namespaces decide which routes an install serves and writes status for.</summary>
public sealed class ScopeTests : ClusterTestBase
{
    [Fact]
    public async Task RouteClass_EachInstallServesOnlyItsRoutes_AndWritesStatusOnlyForThem()
    {
        var backend = await StartBackendAsync("b1");
        var internalInstall = await StartSockwayAsync("--route-class", "internal");
        var defaultInstall = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        Cluster.ApplyRoute("public", "/public", "echo");
        Cluster.ApplyRoute("private", "/private", "echo", routeClass: "internal");

        await internalInstall.WaitForConfigAsync(c => c.Routes.Select(r => r.Id).SequenceEqual(["default/private"]));
        await defaultInstall.WaitForConfigAsync(c => c.Routes.Select(r => r.Id).SequenceEqual(["default/public"]));
        await Eventually.TrueAsync(() => Cluster.GetRoute("public").Status?.Endpoints == 1 && Cluster.GetRoute("private").Status?.Endpoints == 1);
        using var socket = await WebSocketClient.ConnectAsync(internalInstall.WebSocketUri("/private"));
        Assert.Equal("b1", await socket.WhoAmIAsync());
        // Separate leases: each install's leader writes its own routes.
        Assert.True(internalInstall.Leadership.IsLeader);
        Assert.True(defaultInstall.Leadership.IsLeader);
        Assert.NotNull(Api.Store.Get(ResourceKey.Leases, "sockway-system", "sockway-internal"));
    }

    [Fact]
    public async Task Namespaces_RestrictWhatIsWatched()
    {
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync("--namespaces", "team-a, team-b");
        foreach (var ns in new[] { "team-a", "team-b", "team-c" })
        {
            Cluster.ApplyService("echo", ns);
            Cluster.ApplySlice("echo", backend.Port, ns);
            Cluster.ApplyRoute("chat", $"/{ns}", "echo", ns: ns);
        }

        await sockway.WaitForConfigAsync(c => c.Routes.Select(r => r.Id).SequenceEqual(["team-a/chat", "team-b/chat"]));
        // IngressClasses are cluster-scoped (no namespace to restrict them to); everything else stays in the namespaces given.
        Assert.All(Api.Calls.Where(c => c.Verb is "list" or "watch" && c.Resource != "ingressclasses"), c => Assert.Contains(c.Namespace, new[] { "team-a", "team-b" }));
        Assert.All(Api.Calls.Where(c => c.Resource == "ingressclasses"), c => Assert.Null(c.Namespace));
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat", "team-b").Status?.Endpoints == 1);
        Assert.Null(Cluster.GetRoute("chat", "team-c").Status);
    }

    [Fact]
    public async Task EndpointsV1Option_FeedsTheGatewayFromEndpoints()
    {
        var ready = await StartBackendAsync("ready");
        var sockway = await StartSockwayAsync("--use-endpoints-v1", "true");
        Cluster.ApplyService("echo");
        Cluster.Apply(ResourceKey.Endpoints, new k8s.Models.V1Endpoints
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "echo", NamespaceProperty = "default" },
            Subsets =
            [
                new k8s.Models.V1EndpointSubset
                {
                    Addresses = [new k8s.Models.V1EndpointAddress { Ip = "127.0.0.1" }],
                    NotReadyAddresses = [new k8s.Models.V1EndpointAddress { Ip = "::1" }],
                    Ports = [new k8s.Models.Corev1EndpointPort { Name = "http", Port = ready.Port }],
                },
            ],
        });
        Cluster.ApplyRoute("chat", "/chat", "echo");

        // The not-ready address is not a candidate for new tunnels, as with a slice endpoint that is neither ready nor terminating.
        var config = await sockway.WaitForRouteAsync("default/chat", 1);
        Assert.Equal("127.0.0.1", config.Routes.Single().Endpoints.Single().Host);
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("ready", await socket.WhoAmIAsync());
        Assert.DoesNotContain(Api.Calls, c => c.Resource == "endpointslices");
    }
}
