using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Sockway.Controller.Api.GatewayV1;

/// <summary>
/// The upstream Gateway API (gateway.networking.k8s.io/v1, standard channel), modelled only as far as Sockway reads and
/// writes it. KubernetesClient has no types for it; fields Sockway does not read are simply not here (the loader of
/// standalone files is strict, so a manifest using them is reported, never half-read).
/// </summary>
public static class GatewayApi
{
    public const string Group = "gateway.networking.k8s.io";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;

    /// <summary>The controllerName of GatewayClasses this controller serves.</summary>
    public const string ControllerName = "sockway.io/gateway-controller";
}

/// <summary>Common shape of the Gateway API kinds: metadata, spec, status.</summary>
public abstract class GatewayApiObject<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GatewayApi.GroupVersion;

    [JsonPropertyName("kind")]
    public abstract string Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    // Absent until a controller writes it.
    [JsonPropertyName("status")]
    public TStatus Status { get; set; } = default!;
}

/// <summary>List type for the API (informers list these).</summary>
public sealed class GatewayApiList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GatewayApi.GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "List";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<T> Items { get; set; } = [];
}
