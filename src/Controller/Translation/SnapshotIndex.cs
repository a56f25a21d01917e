using k8s.Models;
using Sockway.Controller.Snapshots;

namespace Sockway.Controller.Translation;

/// <summary>Lookup tables over a snapshot, built once per translation.</summary>
internal sealed class SnapshotIndex
{
    private readonly ILookup<(string Namespace, string Service), V1EndpointSlice> _slices;

    public SnapshotIndex(ClusterSnapshot snapshot)
    {
        Services = Distinct(snapshot.Services).ToDictionary(s => (NamespaceOf(s.Metadata), s.Metadata.Name));
        Secrets = Distinct(snapshot.Secrets).ToDictionary(s => (NamespaceOf(s.Metadata), s.Metadata.Name));
        _slices = Distinct(snapshot.EndpointSlices)
            .Where(s => s.Metadata.Labels?.ContainsKey(BackendResolver.ServiceNameLabel) == true)
            .OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)
            .ToLookup(s => (NamespaceOf(s.Metadata), s.Metadata.Labels[BackendResolver.ServiceNameLabel]));
    }

    public Dictionary<(string Namespace, string Name), V1Service> Services { get; }

    public Dictionary<(string Namespace, string Name), V1Secret> Secrets { get; }

    public IEnumerable<V1EndpointSlice> SlicesFor(string ns, string service) => _slices[(ns, service)];

    /// <summary>
    /// One object per namespace/name, whatever the input holds (a source reports duplicates; the translator must not
    /// trip on them): the oldest, then the lowest uid and resourceVersion, so the choice never depends on input order.
    /// </summary>
    public static IEnumerable<T> Distinct<T>(IEnumerable<T> objects)
        where T : k8s.IKubernetesObject<V1ObjectMeta> =>
        objects
            .Where(o => o?.Metadata?.Name is { Length: > 0 })
            .GroupBy(o => (NamespaceOf(o.Metadata), o.Metadata.Name))
            .Select(g => g
                .OrderBy(o => o.Metadata.CreationTimestamp ?? DateTime.MaxValue)
                .ThenBy(o => o.Metadata.Uid, StringComparer.Ordinal)
                .ThenBy(o => o.Metadata.ResourceVersion, StringComparer.Ordinal)
                .First());

    public static string NamespaceOf(V1ObjectMeta? metadata) =>
        string.IsNullOrEmpty(metadata?.NamespaceProperty) ? "default" : metadata.NamespaceProperty;
}
