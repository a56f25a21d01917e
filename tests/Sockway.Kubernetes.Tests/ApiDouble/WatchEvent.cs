using System.Text.Json.Nodes;

namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>A change in the store's history: what a watch stream carries.</summary>
public sealed record WatchEvent(long ResourceVersion, ResourceKey Resource, string Type, JsonObject Object)
{
    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
}
