using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Sockway.Controller.Api.V1Alpha1;

/// <summary>A WebSocket route: which hosts and path go to which backend Service, and how tunnels are treated.</summary>
[KubernetesEntity(Group = Group, ApiVersion = Version, Kind = KindName, PluralName = Plural)]
public sealed class WebSocketRoute : IKubernetesObject<V1ObjectMeta>, ISpec<WebSocketRouteSpec>, IStatus<WebSocketRouteStatus>
{
    public const string Group = "sockway.io";
    public const string Version = "v1alpha1";
    public const string KindName = "WebSocketRoute";
    public const string Plural = "websocketroutes";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WebSocketRouteSpec Spec { get; set; } = new();

    // Absent until the controller first writes it.
    [JsonPropertyName("status")]
    public WebSocketRouteStatus Status { get; set; } = null!;
}

/// <summary>List type for the custom resource API.</summary>
public sealed class WebSocketRouteList : IKubernetesObject<V1ListMeta>, IItems<WebSocketRoute>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = WebSocketRoute.GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "WebSocketRouteList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<WebSocketRoute> Items { get; set; } = [];
}
