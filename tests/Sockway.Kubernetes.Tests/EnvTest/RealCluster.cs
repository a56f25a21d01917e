using k8s;
using k8s.Autorest;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>What a user would `kubectl apply` (server-side apply) and `kubectl get` in one namespace of the real API server.</summary>
public sealed class RealCluster(IKubernetes client, string @namespace)
{
    private const string Manager = "sockway-tests";

    public IKubernetes Client { get; } = client;

    public string Namespace { get; } = @namespace;

    public Task ApplyRouteAsync(string name, string path, string service, string port = "http", string? routeClass = null, IList<string>? hosts = null) =>
        ApplyRouteAsync(new WebSocketRoute
        {
            ApiVersion = WebSocketRoute.GroupVersion,
            Kind = WebSocketRoute.KindName,
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            Spec = new WebSocketRouteSpec
            {
                Path = path,
                RouteClassName = routeClass,
                Hosts = hosts,
                Backend = new BackendRef { Service = new ServiceBackendRef { Name = service, Port = port } },
            },
        });

    public Task ApplyRouteAsync(WebSocketRoute route) =>
        Client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch(route), WebSocketRoute.Group, WebSocketRoute.Version, Namespace, WebSocketRoute.Plural,
            route.Metadata.Name, fieldManager: Manager, force: true);

    /// <summary>A raw manifest (JSON), as a user would write it: for specs the typed model cannot express.</summary>
    public Task ApplyRouteJsonAsync(string name, string json) =>
        Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(json, V1Patch.PatchType.ApplyPatch), WebSocketRoute.Group, WebSocketRoute.Version,
            Namespace, WebSocketRoute.Plural, name, fieldManager: Manager, force: true);

    public Task DeleteRouteAsync(string name) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync(WebSocketRoute.Group, WebSocketRoute.Version, Namespace, WebSocketRoute.Plural, name);

    public Task ApplyServiceAsync(string name, string portName = "http", int port = 80, string targetPort = "ws") =>
        Client.CoreV1.PatchNamespacedServiceAsync(Patch(new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = portName, Port = port, TargetPort = targetPort }] },
        }), name, Namespace, fieldManager: Manager, force: true);

    public Task DeleteServiceAsync(string name) => Client.CoreV1.DeleteNamespacedServiceAsync(name, Namespace);

    /// <summary>A slice of <paramref name="service"/> with one endpoint; null conditions mean ready.</summary>
    public Task ApplySliceAsync(string service, string sliceName, string address, int port, string portName = "http", V1EndpointConditions? conditions = null) =>
        Client.DiscoveryV1.PatchNamespacedEndpointSliceAsync(Patch(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = sliceName,
                NamespaceProperty = Namespace,
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
            },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = [address], Conditions = conditions ?? new V1EndpointConditions { Ready = true, Serving = true, Terminating = false } }],
        }), sliceName, Namespace, fieldManager: Manager, force: true);

    public Task DeleteSliceAsync(string sliceName) => Client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(sliceName, Namespace);

    public async Task<WebSocketRoute?> GetRouteAsync(string name)
    {
        try
        {
            var json = await Client.CustomObjects.GetNamespacedCustomObjectAsync(WebSocketRoute.Group, WebSocketRoute.Version, Namespace, WebSocketRoute.Plural, name);
            return KubernetesJson.Deserialize<WebSocketRoute>(json.ToString()!);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<V1Condition?> RouteConditionAsync(string name, string type) =>
        (await GetRouteAsync(name))?.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Events on an object, as `kubectl describe` lists them.</summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsForAsync(string kind, string name) =>
        (await Client.CoreV1.ListNamespacedEventAsync(Namespace)).Items.Where(e => e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name).ToList();

    private static V1Patch Patch<T>(T obj) => new(KubernetesJson.Serialize(obj), V1Patch.PatchType.ApplyPatch);
}
