using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Conversion;
using Sockway.Controller.Sources.Files;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// An ingress-nginx WebSocket Ingress from examples/ingress-nginx/, applied unchanged to a real API server: Sockway
/// (owning the "nginx" IngressClass) serves it, writes its status.loadBalancer from --ingress-status-address and a
/// Warning Event for the annotation it does not implement; then its `sockway convert` output, applied instead, routes
/// the same requests to the same pod.
/// </summary>
public sealed class IngressTests(EnvTestFixture fixture) : RealLaneTestBase(fixture)
{
    private const string Example = "legacy-websocket-services.yaml";

    [SkippableFact]
    public async Task An_nginx_ingress_is_served_unchanged_with_status_and_events_and_its_conversion_routes_alike()
    {
        await StartAsync();
        var yaml = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "examples", "ingress-nginx", Example)).Replace("namespace: default", $"namespace: {Ns}", StringComparison.Ordinal);
        var ingress = ManifestParser.Parse(Example, yaml).Objects.OfType<V1Ingress>().Single();
        await ApplyIngressClassAsync();
        var pod = await StartPodAsync("rooms-a");
        await Cluster.ApplyServiceAsync("rooms", port: 8000);
        await Cluster.ApplySliceAsync("rooms", "rooms-a", pod.Address, pod.Port);
        var sockway = await StartSockwayAsync("--ingress-status-address", "203.0.113.9");
        await Server.Admin.NetworkingV1.CreateNamespacedIngressAsync(ingress, Ns);

        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == $"Ingress:{Ns}/rooms/0/0" && r.Endpoints.Count(e => e.Ready) == 1), TimeSpan.FromSeconds(20));
        await Eventually.SucceedsAsync(async () =>
        {
            var served = await Server.Admin.NetworkingV1.ReadNamespacedIngressAsync("rooms", Ns);
            Assert.Equal("203.0.113.9", served.Status?.LoadBalancer?.Ingress?.SingleOrDefault()?.Ip);
            var events = await Cluster.EventsForAsync("Ingress", "rooms");
            Assert.Contains(events, e => e.Type == "Warning" && e.Message.Contains("nginx.ingress.kubernetes.io/enable-cors", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30));

        var throughIngress = await ProbeAsync(sockway);

        // The converted WebSocketRoute instead of the Ingress: the same requests reach the same pod.
        var converted = IngressConverter.Convert(Example, yaml, new ConversionOptions());
        Assert.True(converted.Succeeded, string.Join("; ", converted.Errors));
        var route = ManifestParser.Parse("converted.yaml", converted.Output).Objects.OfType<WebSocketRoute>().Single();
        await Server.Admin.NetworkingV1.DeleteNamespacedIngressAsync("rooms", Ns);
        await Cluster.ApplyRouteAsync(route);
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == $"{Ns}/rooms" && r.Endpoints.Count(e => e.Ready) == 1) && !c.Routes.Any(r => r.Id.StartsWith("Ingress:", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20));
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("rooms", RouteConditions.Ready))?.Status));

        RequireTraffic();
        Assert.Equal(["rooms-a", "rooms-a", "404", "404"], throughIngress);
        Assert.Equal(throughIngress, await ProbeAsync(sockway));
    }

    private async Task<List<string>> ProbeAsync(KubernetesSockway sockway)
    {
        var results = new List<string>();
        if (Fixture.Network is null)
        {
            return results;
        }

        foreach (var (host, path) in new[] { ("rooms.example.com", "/rooms"), ("rooms.example.com", "/rooms/lobby"), ("rooms.example.com", "/roomsx"), ("other.example.com", "/rooms") })
        {
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.SetRequestHeader("Host", host);
            socket.Options.SetRequestHeader("Origin", "https://rooms.example.com");
            try
            {
                await socket.ConnectAsync(sockway.WebSocketUri(path + "?room=r1"), CancellationToken.None);
                results.Add(await socket.WhoAmIAsync());
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                results.Add(((int)socket.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return results;
    }

    // Cluster-scoped, shared by the lane's tests (they run one at a time): applied, never deleted mid-run.
    private Task ApplyIngressClassAsync() =>
        Server.Admin.NetworkingV1.PatchIngressClassAsync(new V1Patch(KubernetesJson.Serialize(new V1IngressClass
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "IngressClass",
            Metadata = new V1ObjectMeta { Name = "nginx" },
            Spec = new V1IngressClassSpec { Controller = "sockway.io/ingress-controller" },
        }), V1Patch.PatchType.ApplyPatch), "nginx", fieldManager: "sockway-tests", force: true);
}
