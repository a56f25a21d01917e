using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Kubernetes.Tests.ApiDouble;

namespace Sockway.Kubernetes.Tests;

/// <summary>What a user would `kubectl apply` and `kubectl get`, against the double's store.</summary>
public sealed class Cluster(ObjectStore store)
{
    public ObjectStore Store { get; } = store;

    public JsonObject ApplyRoute(string name, string path, string service, string port = "http", string ns = "default", string? routeClass = null, IList<string>? hosts = null) =>
        Apply(ResourceKey.WebSocketRoutes, new WebSocketRoute
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new WebSocketRouteSpec
            {
                Path = path,
                RouteClassName = routeClass,
                Hosts = hosts,
                Backend = new BackendRef { Service = new ServiceBackendRef { Name = service, Port = port } },
            },
        });

    public JsonObject ApplyService(string name, string ns = "default", string portName = "http", int port = 80, string targetPort = "ws") =>
        Apply(ResourceKey.Services, new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = portName, Port = port, TargetPort = targetPort }] },
        });

    /// <summary>One slice per backend port (a slice has one port set); all addresses 127.0.0.1. Null conditions mean ready.</summary>
    public void ApplySlice(string service, int backendPort, string ns = "default", string portName = "http", V1EndpointConditions? conditions = null, string address = "127.0.0.1") =>
        Apply(ResourceKey.EndpointSlices, new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{service}-{backendPort}",
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
            },
            AddressType = address.Contains(':') ? "IPv6" : "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = portName, Port = backendPort, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = [address], Conditions = conditions ?? new V1EndpointConditions { Ready = true, Serving = true, Terminating = false } }],
        });

    public bool DeleteSlice(string service, int backendPort, string ns = "default") => Store.Delete(ResourceKey.EndpointSlices, ns, $"{service}-{backendPort}");

    public WebSocketRoute GetRoute(string name, string ns = "default") =>
        KubernetesJson.Deserialize<WebSocketRoute>(Store.Get(ResourceKey.WebSocketRoutes, ns, name)!.ToJsonString());

    public V1Condition? RouteCondition(string name, string type, string ns = "default") =>
        GetRoute(name, ns).Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Warning Events recorded on an object, as `kubectl describe` would list them.</summary>
    public IReadOnlyList<Corev1Event> EventsFor(string kind, string name, string ns = "default") =>
        Store.List(ResourceKey.Events, ns).Select(e => KubernetesJson.Deserialize<Corev1Event>(e.ToJsonString()))
            .Where(e => e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name).ToList();

    /// <summary>An Ingress of the given class with one host-less rule path to a Service port (by name).</summary>
    public JsonObject ApplyIngress(string name, string path, string service, string port = "http", string ns = "default", string? ingressClass = "sockway",
        IDictionary<string, string>? annotations = null) =>
        Apply(ResourceKey.Ingresses, new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Annotations = annotations },
            Spec = new V1IngressSpec
            {
                IngressClassName = ingressClass,
                Rules =
                [
                    new V1IngressRule
                    {
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths = [new V1HTTPIngressPath { Path = path, PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Name = port } } } }],
                        },
                    },
                ],
            },
        });

    public V1Ingress? GetIngress(string name, string ns = "default") =>
        Store.Get(ResourceKey.Ingresses, ns, name) is { } json ? KubernetesJson.Deserialize<V1Ingress>(json.ToJsonString()) : null;

    public JsonObject Apply<T>(ResourceKey resource, T obj) => Store.Apply(resource, JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject());
}
