using System.ComponentModel.DataAnnotations;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>Kubernetes mode (the default when no --routes directory is given): where the API server is and what to watch.</summary>
public sealed class KubernetesSourceOptions
{
    public const string Section = "Sockway:Kubernetes";

    /// <summary>A kubeconfig file for running outside the cluster; otherwise KUBECONFIG, the in-cluster service account, then ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context to use; empty means the file's current context.</summary>
    public string? Context { get; set; }

    /// <summary>
    /// An API server URL used as is, without credentials (e.g. `kubectl proxy` on http://127.0.0.1:8001);
    /// overrides the kubeconfig and in-cluster discovery.
    /// </summary>
    [Url]
    public string? ApiServer { get; set; }

    /// <summary>Comma-separated namespaces to watch; empty watches all namespaces.</summary>
    [RegularExpression(@"^\s*([a-z0-9]([-a-z0-9]*[a-z0-9])?\s*(,\s*[a-z0-9]([-a-z0-9]*[a-z0-9])?\s*)*)?$", ErrorMessage = "Namespaces must be a comma-separated list of namespace names")]
    public string? Namespaces { get; set; }

    /// <summary>Read endpoints from v1 Endpoints instead of discovery.k8s.io/v1 EndpointSlices (for clusters or tools that only publish those).</summary>
    public bool UseEndpointsV1 { get; set; }

    /// <summary>Serve networking.k8s.io/v1 Ingresses of Sockway's IngressClass (needs the chart's Ingress RBAC); false skips their watches.</summary>
    public bool WatchIngresses { get; set; } = true;

    /// <summary>
    /// What served Ingresses show in status.loadBalancer: comma-separated IPs and/or host names (e.g. a load
    /// balancer's address). Wins over <see cref="IngressStatusService"/>. Empty (and no Service) leaves the status alone.
    /// </summary>
    [RegularExpression(@"^[A-Za-z0-9.:\-, ]*$", ErrorMessage = "IngressStatusAddress must be comma-separated IP addresses or host names")]
    public string? IngressStatusAddress { get; set; }

    /// <summary>namespace/name of a (LoadBalancer) Service whose status.loadBalancer served Ingresses copy (the chart's own).</summary>
    [RegularExpression(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$", ErrorMessage = "IngressStatusService must be namespace/name")]
    public string? IngressStatusService { get; set; }

    /// <summary>Asks the API server to end each watch after this long; the informer resumes from the last resourceVersion.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay after an API error; doubles (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The namespaces to watch, or a single null entry for all namespaces.</summary>
    public IReadOnlyList<string?> NamespaceScopes()
    {
        var names = (Namespaces ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return [null];
        }

        return names;
    }
}
