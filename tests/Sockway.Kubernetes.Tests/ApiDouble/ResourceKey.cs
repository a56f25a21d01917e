namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>A resource the double serves, as in a URL: group ("" for core), version, plural.</summary>
public sealed record ResourceKey(string Group, string Version, string Plural, string Kind, bool HasStatusSubresource = false)
{
    public static ResourceKey WebSocketRoutes { get; } = new("sockway.io", "v1alpha1", "websocketroutes", "WebSocketRoute", HasStatusSubresource: true);

    public static ResourceKey Services { get; } = new(string.Empty, "v1", "services", "Service");

    public static ResourceKey EndpointSlices { get; } = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");

    public static ResourceKey Endpoints { get; } = new(string.Empty, "v1", "endpoints", "Endpoints");

    public static ResourceKey Secrets { get; } = new(string.Empty, "v1", "secrets", "Secret");

    public static ResourceKey Events { get; } = new(string.Empty, "v1", "events", "Event");

    public static ResourceKey Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease");

    public static ResourceKey Ingresses { get; } = new("networking.k8s.io", "v1", "ingresses", "Ingress", HasStatusSubresource: true);

    public static ResourceKey IngressClasses { get; } = new("networking.k8s.io", "v1", "ingressclasses", "IngressClass");

    public static ResourceKey WebSocketPolicies { get; } = new("sockway.io", "v1alpha1", "websocketpolicies", "WebSocketPolicy", HasStatusSubresource: true);

    // Gateway API, as its upstream CRDs define it (GatewayClass is cluster-scoped: stored without a namespace).
    public static ResourceKey GatewayClasses { get; } = new("gateway.networking.k8s.io", "v1", "gatewayclasses", "GatewayClass", HasStatusSubresource: true);

    public static ResourceKey Gateways { get; } = new("gateway.networking.k8s.io", "v1", "gateways", "Gateway", HasStatusSubresource: true);

    public static ResourceKey HttpRoutes { get; } = new("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", HasStatusSubresource: true);

    public static ResourceKey ReferenceGrants { get; } = new("gateway.networking.k8s.io", "v1", "referencegrants", "ReferenceGrant");

    public static IReadOnlyList<ResourceKey> Known { get; } =
        [WebSocketRoutes, Services, EndpointSlices, Endpoints, Secrets, Events, Leases, Ingresses, IngressClasses, WebSocketPolicies, GatewayClasses, Gateways, HttpRoutes, ReferenceGrants];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static ResourceKey? Find(string group, string plural) => Known.FirstOrDefault(k => k.Group == group && k.Plural == plural);
}
