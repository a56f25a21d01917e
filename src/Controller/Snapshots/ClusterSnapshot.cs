using k8s.Models;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;

namespace Sockway.Controller.Snapshots;

/// <summary>
/// Everything the translator reads, as plain Kubernetes objects: the same shape whether they came from a
/// watch on the API server or from YAML files on disk.
/// </summary>
public sealed record ClusterSnapshot(
    IReadOnlyList<WebSocketRoute> Routes,
    IReadOnlyList<V1Service> Services,
    IReadOnlyList<V1EndpointSlice> EndpointSlices,
    IReadOnlyList<V1Secret> Secrets)
{
    public static ClusterSnapshot Empty { get; } = new([], [], [], []);

    /// <summary>networking.k8s.io/v1 Ingresses of every class (the Ingress front-end picks the ones Sockway serves).</summary>
    public IReadOnlyList<V1Ingress> Ingresses { get; init; } = [];

    /// <summary>IngressClasses: which class names belong to Sockway's controller, and which is the cluster default.</summary>
    public IReadOnlyList<V1IngressClass> IngressClasses { get; init; } = [];

    // Gateway API (and its Sockway policy): absent from clusters without the CRDs, so empty by default.
    public IReadOnlyList<GatewayClass> GatewayClasses { get; init; } = [];

    public IReadOnlyList<GatewayResource> Gateways { get; init; } = [];

    public IReadOnlyList<HttpRoute> HttpRoutes { get; init; } = [];

    public IReadOnlyList<ReferenceGrant> ReferenceGrants { get; init; } = [];

    public IReadOnlyList<WebSocketPolicy> WebSocketPolicies { get; init; } = [];

    /// <summary>Which objects changed since the snapshot the source published before this one, when it knows (else null).</summary>
    public ObjectChanges? Changes { get; init; }
}
