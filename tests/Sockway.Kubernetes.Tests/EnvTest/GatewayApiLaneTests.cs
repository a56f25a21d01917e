using System.Net.WebSockets;
using System.Text.Json;
using k8s;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// Gateway API on a real API server (1.26) with the upstream v1.6.1 standard CRDs and the WebSocketPolicy CRD: a
/// Gateway + HTTPRoute + WebSocketPolicy, applied as a user would, carries WebSockets to a real backend in the test
/// network, and each object's status is written. Skips, with the reason, where the CRDs or the lane are absent.
/// </summary>
public sealed class GatewayApiLaneTests(EnvTestFixture fixture) : RealLaneTestBase(fixture)
{
    [SkippableFact]
    public async Task Gateway_HTTPRoute_and_WebSocketPolicy_carry_websockets_with_status_written()
    {
        var (crds, absent) = EnvTestApiServer.GatewayApiCrds();
        Skip.If(crds is null, absent);
        await StartAsync();
        await Server.InstallGatewayApiCrdsAsync(crds!);
        var pod = await StartPodAsync("a");
        var sockway = await StartClusterWideSockwayAsync();
        // GatewayClass is cluster-scoped: one per test, so tests on the shared server do not see each other's.
        var className = $"sockway-{Ns}";
        // Watching all namespaces of the shared server: a path of its own, so no older test's /chat route wins it.
        var path = $"/chat-{Ns}";
        await Cluster.ApplyServiceAsync("echo");
        await ApplySliceAsync(pod);
        await CreateAsync<GatewayClass>(GatewayApiManifests.Class(className), GatewayApi.Group, GatewayApi.Version, GatewayClass.Plural, clusterScoped: true);
        await CreateAsync<GatewayResource>(GatewayApiManifests.Gateway(ns: Ns, className: className), GatewayApi.Group, GatewayApi.Version, GatewayResource.Plural);
        await CreateAsync<HttpRoute>(GatewayApiManifests.Route("chat", path, "echo", ns: Ns), GatewayApi.Group, GatewayApi.Version, HttpRoute.Plural);
        await CreateAsync<WebSocketPolicy>(GatewayApiManifests.Policy("chat", "chat", "https://chat.example.com", ns: Ns), WebSocketRoute.Group, WebSocketRoute.Version, WebSocketPolicy.Plural);

        await sockway.WaitForRouteAsync($"httproute/{Ns}/chat/0/0", 1, TimeSpan.FromSeconds(30));
        await Eventually.SucceedsAsync(async () =>
        {
            var gatewayClass = await GetAsync<GatewayClass>(GatewayApi.Group, GatewayApi.Version, GatewayClass.Plural, className, clusterScoped: true);
            Assert.Equal("True", Status(gatewayClass.Status?.Conditions, "Accepted"));
            var gateway = await GetAsync<GatewayResource>(GatewayApi.Group, GatewayApi.Version, GatewayResource.Plural, "web");
            Assert.Equal("True", Status(gateway.Status?.Conditions, "Programmed"));
            Assert.Equal(1, gateway.Status!.Listeners!.Single().AttachedRoutes);
            var route = await GetAsync<HttpRoute>(GatewayApi.Group, GatewayApi.Version, HttpRoute.Plural, "chat");
            var parent = route.Status!.Parents!.Single();
            Assert.Equal(GatewayApi.ControllerName, parent.ControllerName);
            Assert.Equal("True", Status(parent.Conditions, "Accepted"));
            Assert.Equal("True", Status(parent.Conditions, "ResolvedRefs"));
            var policy = await GetAsync<WebSocketPolicy>(WebSocketRoute.Group, WebSocketRoute.Version, WebSocketPolicy.Plural, "chat");
            Assert.Equal("True", Status(policy.Status!.Ancestors!.Single().Conditions, "Accepted"));
        }, TimeSpan.FromSeconds(30));

        RequireTraffic();
        using (var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri(path), o => o.SetRequestHeader("Origin", "https://chat.example.com")))
        {
            Assert.Equal("hello", await socket.RoundTripAsync("hello"));
            Assert.Equal("a", await socket.WhoAmIAsync());
        }

        // The policy's allowedOrigins hold: another Origin is refused before any backend sees it.
        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(sockway.WebSocketUri(path), o => o.SetRequestHeader("Origin", "https://evil.example")));
    }

    [SkippableFact]
    public async Task An_HTTPRoute_to_a_missing_Service_reports_BackendNotFound_on_its_parent()
    {
        var (crds, absent) = EnvTestApiServer.GatewayApiCrds();
        Skip.If(crds is null, absent);
        await StartAsync();
        await Server.InstallGatewayApiCrdsAsync(crds!);
        await StartClusterWideSockwayAsync();
        var className = $"sockway-{Ns}";
        await CreateAsync<GatewayClass>(GatewayApiManifests.Class(className), GatewayApi.Group, GatewayApi.Version, GatewayClass.Plural, clusterScoped: true);
        await CreateAsync<GatewayResource>(GatewayApiManifests.Gateway(ns: Ns, className: className), GatewayApi.Group, GatewayApi.Version, GatewayResource.Plural);
        await CreateAsync<HttpRoute>(GatewayApiManifests.Route("chat", "/chat", "nowhere", ns: Ns), GatewayApi.Group, GatewayApi.Version, HttpRoute.Plural);

        await Eventually.SucceedsAsync(async () =>
        {
            var route = await GetAsync<HttpRoute>(GatewayApi.Group, GatewayApi.Version, HttpRoute.Plural, "chat");
            var refs = route.Status!.Parents!.Single().Conditions!.Single(c => c.Type == "ResolvedRefs");
            Assert.Equal(("False", "BackendNotFound"), (refs.Status, refs.Reason));
            Assert.Contains("nowhere", refs.Message, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
    }

    // GatewayClasses are cluster-scoped: Gateway API is served only when watching all namespaces.
    private Task<KubernetesSockway> StartClusterWideSockwayAsync() => StartSockwayWithAsync(Server.KubeconfigPath, []);

    private async Task CreateAsync<T>(string yaml, string group, string version, string plural, bool clusterScoped = false)
    {
        // Through the typed model, so numbers stay numbers (strict validation checks types).
        var body = JsonSerializer.Deserialize<JsonElement>(KubernetesJson.Serialize(KubernetesYaml.Deserialize<T>(yaml)));
        if (clusterScoped)
        {
            await Cluster.Client.CustomObjects.CreateClusterCustomObjectAsync(body, group, version, plural, fieldValidation: "Strict");
        }
        else
        {
            await Cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, group, version, Ns, plural, fieldValidation: "Strict");
        }
    }

    private async Task<T> GetAsync<T>(string group, string version, string plural, string name, bool clusterScoped = false)
    {
        var found = clusterScoped
            ? await Cluster.Client.CustomObjects.GetClusterCustomObjectAsync(group, version, plural, name)
            : await Cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync(group, version, Ns, plural, name);
        return KubernetesJson.Deserialize<T>(((JsonElement)found).GetRawText());
    }

    private static string? Status(IList<k8s.Models.V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type)?.Status;
}
