using k8s.Models;
using Sockway.Controller.Snapshots;

namespace Sockway.Controller.Translation;

/// <summary>Lookup tables over a snapshot, built once per translation.</summary>
internal sealed class SnapshotIndex
{
    private readonly ILookup<(string Namespace, string Service), V1EndpointSlice> _slices;

    public SnapshotIndex(ClusterSnapshot snapshot)
    {
        Services = snapshot.Services
            .Where(s => s.Metadata?.Name is not null)
            .GroupBy(s => (NamespaceOf(s.Metadata), s.Metadata.Name))
            .ToDictionary(g => g.Key, g => g.First());
        Secrets = snapshot.Secrets
            .Where(s => s.Metadata?.Name is not null)
            .GroupBy(s => (NamespaceOf(s.Metadata), s.Metadata.Name))
            .ToDictionary(g => g.Key, g => g.First());
        _slices = snapshot.EndpointSlices
            .Where(s => s.Metadata?.Labels?.ContainsKey(BackendResolver.ServiceNameLabel) == true)
            .OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)
            .ToLookup(s => (NamespaceOf(s.Metadata), s.Metadata.Labels[BackendResolver.ServiceNameLabel]));
    }

    public Dictionary<(string Namespace, string Name), V1Service> Services { get; }

    public Dictionary<(string Namespace, string Name), V1Secret> Secrets { get; }

    public IEnumerable<V1EndpointSlice> SlicesFor(string ns, string service) => _slices[(ns, service)];

    public static string NamespaceOf(V1ObjectMeta? metadata) =>
        string.IsNullOrEmpty(metadata?.NamespaceProperty) ? "default" : metadata.NamespaceProperty;
}
