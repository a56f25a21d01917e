using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Testcontainers.K3s;
using Xunit;

namespace Sockway.Kubernetes.Tests.K3s;

/// <summary>
/// The controller against a real Kubernetes (K3s in Docker): CRD installed, route + Service + EndpointSlice applied,
/// status and traffic checked. Where Docker is missing or the K3s image cannot be pulled, the test reports itself
/// skipped with the reason; it never passes without having run.
/// </summary>
public sealed class K3sClusterTests
{
    // Pinned so a run is repeatable; SOCKWAY_K3S_IMAGE points the suite at another (or a mirrored) image.
    private static readonly string Image = Environment.GetEnvironmentVariable("SOCKWAY_K3S_IMAGE") ?? "rancher/k3s:v1.31.5-k3s1";

    [SkippableFact]
    public async Task RouteAppliedInK3s_IsServedAndGetsReadyStatus()
    {
        var unavailable = await DockerAvailability.WhyUnavailableAsync();
        Skip.If(unavailable is not null, $"K3s suite skipped: {unavailable}");

        await using var k3s = new K3sBuilder(Image).Build();
        try
        {
            await k3s.StartAsync();
        }
        catch (Exception ex) when (IsPullFailure(ex))
        {
            Skip.If(true, $"K3s suite skipped: the image {Image} cannot be pulled (no container registry?): {ex.Message}");
        }

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"sockway-k3s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(kubeconfig, await k3s.GetKubeconfigAsync());
        try
        {
            using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            await InstallCrdAsync(client);
            // The API server refuses loopback endpoints: the backend listens in a network namespace of the test's own.
            var (network, noNetwork) = await EnvTest.TestNetwork.TryCreateAsync();
            Skip.If(network is null, $"K3s suite skipped: {noNetwork}");
            await using var owned = network;
            await using var backend = await network.StartBackendAsync("k3s-backend");
            await using var sockway = await KubernetesSockway.StartWithAsync(["--kubeconfig", kubeconfig, "--Sockway:LeaderElection:LeaseNamespace", "default"]);

            await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "echo" },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
            }, "default");
            // The gateway runs on this host and reaches the backend over the veth pair; the API server only stores the address.
            await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta { Name = "echo-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "echo" } },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = backend.Port, Protocol = "TCP" }],
                Endpoints = [new V1Endpoint { Addresses = [backend.Address], Conditions = new V1EndpointConditions { Ready = true } }],
            }, "default");
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(new WebSocketRoute
            {
                Metadata = new V1ObjectMeta { Name = "chat" },
                Spec = new WebSocketRouteSpec { Path = "/chat", Backend = new BackendRef { Service = new ServiceBackendRef { Name = "echo", Port = "http" } } },
            }, WebSocketRoute.Group, WebSocketRoute.Version, "default", WebSocketRoute.Plural);

            await Eventually.SucceedsAsync(async () =>
            {
                using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
                Assert.Equal("k3s-backend", await socket.WhoAmIAsync());
            }, TimeSpan.FromSeconds(30));
            await Eventually.SucceedsAsync(async () =>
            {
                var json = await client.CustomObjects.GetNamespacedCustomObjectAsync(WebSocketRoute.Group, WebSocketRoute.Version, "default", WebSocketRoute.Plural, "chat");
                var route = KubernetesJson.Deserialize<WebSocketRoute>(json.ToString()!);
                Assert.Equal("True", route.Status?.Conditions?.Single(c => c.Type == RouteConditions.Ready).Status);
                Assert.Equal(1, route.Status!.Endpoints);
            }, TimeSpan.FromSeconds(30));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private static async Task InstallCrdAsync(IKubernetes client)
    {
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "deploy", "crds", "sockway.io_websocketroutes.yaml")));
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        await Eventually.SucceedsAsync(async () =>
        {
            var current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
            Assert.Contains(current.Status?.Conditions ?? [], c => c.Type == "Established" && c.Status == "True");
        }, TimeSpan.FromSeconds(30));
    }

    private static bool IsPullFailure(Exception ex) =>
        ex.ToString().Contains("pull", StringComparison.OrdinalIgnoreCase) || ex.ToString().Contains("registry", StringComparison.OrdinalIgnoreCase)
        || ex.ToString().Contains("No such image", StringComparison.OrdinalIgnoreCase);
}
