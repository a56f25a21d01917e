using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>An API resource the controller lists and watches: enough to build its URL (group "" is the core API).</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, string? FieldSelector = null)
{
    public static ResourceType WebSocketRoutes { get; } = new(WebSocketRoute.Group, WebSocketRoute.Version, WebSocketRoute.Plural, WebSocketRoute.KindName);

    public static ResourceType Services { get; } = new(string.Empty, "v1", "services", "Service");

    public static ResourceType EndpointSlices { get; } = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");

    public static ResourceType Endpoints { get; } = new(string.Empty, "v1", "endpoints", "Endpoints");

    // Only TLS Secrets, filtered by the API server: one watch that never changes, instead of re-targeting watches
    // each time a route names another Secret. RBAC cannot scope by type anyway, so this costs no extra permission,
    // and other Secrets (tokens, passwords) never reach this process's memory.
    public static ResourceType TlsSecrets { get; } = new(string.Empty, "v1", "secrets", "Secret", "type=kubernetes.io/tls");

    public static ResourceType Ingresses { get; } = new("networking.k8s.io", "v1", "ingresses", "Ingress");

    /// <summary>Cluster-scoped: always watched across the cluster (which class names are Sockway's).</summary>
    public static ResourceType IngressClasses { get; } = new("networking.k8s.io", "v1", "ingressclasses", "IngressClass");

    public static ResourceType WebSocketPolicies { get; } = new(WebSocketRoute.Group, WebSocketRoute.Version, WebSocketPolicy.Plural, WebSocketPolicy.KindName);

    // Gateway API (upstream CRDs, maybe not installed: their informers are optional). GatewayClass is cluster-scoped.
    public static ResourceType GatewayClasses { get; } = new(GatewayApi.Group, GatewayApi.Version, GatewayClass.Plural, GatewayClass.KindName);

    public static ResourceType Gateways { get; } = new(GatewayApi.Group, GatewayApi.Version, GatewayResource.Plural, GatewayResource.KindName);

    public static ResourceType HttpRoutes { get; } = new(GatewayApi.Group, GatewayApi.Version, HttpRoute.Plural, HttpRoute.KindName);

    public static ResourceType ReferenceGrants { get; } = new(GatewayApi.Group, GatewayApi.Version, ReferenceGrant.Plural, ReferenceGrant.KindName);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
