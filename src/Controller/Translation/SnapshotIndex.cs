using k8s.Models;
using Sockway.Controller.Snapshots;

namespace Sockway.Controller.Translation;

/// <summary>
/// Lookup tables over a snapshot. Updated in place from one snapshot to the next, so that the work is the objects that
/// changed (found by reference: sources hand on the same instance for an object that did not change) and each update
/// says which Services (with their EndpointSlices) and Secrets changed.
/// </summary>
internal sealed class SnapshotIndex
{
    private readonly ObjectTable<V1Service> _services = new();
    private readonly ObjectTable<V1Secret> _secrets = new();
    private readonly ObjectTable<V1EndpointSlice> _slices = new();
    private readonly Dictionary<(string Namespace, string Service), List<V1EndpointSlice>> _slicesByService = [];

    public SnapshotIndex()
    {
    }

    public SnapshotIndex(ClusterSnapshot snapshot) => Update(snapshot);

    public IReadOnlyDictionary<(string Namespace, string Name), V1Service> Services => _services.Current;

    public IReadOnlyDictionary<(string Namespace, string Name), V1Secret> Secrets => _secrets.Current;

    public IEnumerable<V1EndpointSlice> SlicesFor(string ns, string service) =>
        _slicesByService.TryGetValue((ns, service), out var slices) ? slices : [];

    /// <summary>Moves the tables to <paramref name="snapshot"/>; returns what changed since the previous one.</summary>
    public SnapshotChanges Update(ClusterSnapshot snapshot)
    {
        var changes = new SnapshotChanges();
        _services.Update(snapshot.Services, changes.Services);
        _secrets.Update(snapshot.Secrets, changes.Secrets);
        var changedSlices = new HashSet<(string, string)>();
        var removed = _slices.Update(snapshot.EndpointSlices, changedSlices);
        foreach (var key in changedSlices)
        {
            // A slice that moved from one Service to another changes both.
            if (removed.TryGetValue(key, out var old) && ServiceOf(old) is { } oldService)
            {
                _slicesByService[oldService].Remove(old);
                changes.Services.Add(oldService);
            }

            if (_slices.Current.TryGetValue(key, out var slice) && ServiceOf(slice) is { } service)
            {
                if (!_slicesByService.TryGetValue(service, out var list))
                {
                    _slicesByService[service] = list = [];
                }

                list.Add(slice);
                changes.Services.Add(service);
            }
        }

        SortSlices(changes);
        return changes;
    }

    private void SortSlices(SnapshotChanges changes)
    {
        foreach (var service in changes.Services)
        {
            if (_slicesByService.TryGetValue(service, out var list))
            {
                if (list.Count == 0)
                {
                    _slicesByService.Remove(service);
                }
                else
                {
                    list.Sort((a, b) => string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name));
                }
            }
        }
    }

    /// <summary>
    /// Moves the tables to <paramref name="snapshot"/> by the source's own list of changed objects (which must be
    /// those since the snapshot the tables hold, one object per namespace/name); returns what changed.
    /// </summary>
    public SnapshotChanges Apply(ClusterSnapshot snapshot, IReadOnlyList<ObjectChange> objects)
    {
        var changes = new SnapshotChanges();
        foreach (var change in objects)
        {
            var key = (change.Namespace, change.Name);
            if (change.Kind == typeof(V1Service))
            {
                _services.Set(key, change.Current as V1Service);
                changes.Services.Add(key);
            }
            else if (change.Kind == typeof(V1Secret))
            {
                _secrets.Set(key, change.Current as V1Secret);
                changes.Secrets.Add(key);
            }
            else if (change.Kind == typeof(V1EndpointSlice))
            {
                if (_slices.Set(key, change.Current as V1EndpointSlice) is { } old && ServiceOf(old) is { } oldService)
                {
                    _slicesByService[oldService].Remove(old);
                    changes.Services.Add(oldService);
                }

                if (change.Current is V1EndpointSlice slice && ServiceOf(slice) is { } service)
                {
                    if (!_slicesByService.TryGetValue(service, out var list))
                    {
                        _slicesByService[service] = list = [];
                    }

                    list.Add(slice);
                    changes.Services.Add(service);
                }
            }
        }

        _services.Follow(snapshot.Services);
        _secrets.Follow(snapshot.Secrets);
        _slices.Follow(snapshot.EndpointSlices);
        SortSlices(changes);
        return changes;
    }

    private static (string, string)? ServiceOf(V1EndpointSlice slice) =>
        slice.Metadata.Labels?.TryGetValue(BackendResolver.ServiceNameLabel, out var service) == true
            ? (NamespaceOf(slice.Metadata), service)
            : null;

    /// <summary>
    /// One object per namespace/name, whatever the input holds (a source reports duplicates; the translator must not
    /// trip on them): the oldest, then the lowest uid and resourceVersion, so the choice never depends on input order.
    /// In the order each namespace/name first appears.
    /// </summary>
    public static IEnumerable<T> Distinct<T>(IEnumerable<T> objects)
        where T : k8s.IKubernetesObject<V1ObjectMeta> =>
        DistinctByKey(objects).Values;

    private static Dictionary<(string Namespace, string Name), T> DistinctByKey<T>(IEnumerable<T> objects)
        where T : k8s.IKubernetesObject<V1ObjectMeta>
    {
        // Dictionary enumerates in insertion order while nothing is removed: first appearance, as GroupBy would.
        var chosen = new Dictionary<(string, string), T>();
        foreach (var candidate in objects)
        {
            if (candidate?.Metadata?.Name is not { Length: > 0 } name)
            {
                continue;
            }

            var key = (NamespaceOf(candidate.Metadata), name);
            if (!chosen.TryGetValue(key, out var current) || Before(candidate.Metadata, current.Metadata))
            {
                chosen[key] = candidate;
            }
        }

        return chosen;
    }

    private static bool Before(V1ObjectMeta candidate, V1ObjectMeta current)
    {
        var byAge = DateTime.Compare(candidate.CreationTimestamp ?? DateTime.MaxValue, current.CreationTimestamp ?? DateTime.MaxValue);
        if (byAge != 0)
        {
            return byAge < 0;
        }

        var byUid = string.CompareOrdinal(candidate.Uid, current.Uid);
        return byUid != 0 ? byUid < 0 : string.CompareOrdinal(candidate.ResourceVersion, current.ResourceVersion) < 0;
    }

    public static string NamespaceOf(V1ObjectMeta? metadata) =>
        string.IsNullOrEmpty(metadata?.NamespaceProperty) ? "default" : metadata.NamespaceProperty;

    /// <summary>One kind's objects by namespace/name, with the keys whose object changed at each update.</summary>
    private sealed class ObjectTable<T>
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        private IReadOnlyList<T>? _source;

        public Dictionary<(string Namespace, string Name), T> Current { get; private set; } = [];

        /// <summary>Adds the changed keys to <paramref name="changed"/>; returns the previous table (for what was replaced).</summary>
        public Dictionary<(string Namespace, string Name), T> Update(IReadOnlyList<T> objects, HashSet<(string, string)> changed)
        {
            var previous = Current;
            if (ReferenceEquals(objects, _source))
            {
                return previous;
            }

            var next = DistinctByKey(objects);
            foreach (var (key, item) in next)
            {
                if (!previous.TryGetValue(key, out var old) || !ReferenceEquals(old, item))
                {
                    changed.Add(key);
                }
            }

            foreach (var key in previous.Keys)
            {
                if (!next.ContainsKey(key))
                {
                    changed.Add(key);
                }
            }

            _source = objects;
            Current = next;
            return previous;
        }

        /// <summary>Replaces (or with null removes) one object in place; returns the one it replaced.</summary>
        public T? Set((string Namespace, string Name) key, T? item)
        {
            var old = Current.GetValueOrDefault(key);
            if (item is null)
            {
                Current.Remove(key);
            }
            else
            {
                Current[key] = item;
            }

            return old;
        }

        /// <summary>The table now stands for this list (its changes were set one by one).</summary>
        public void Follow(IReadOnlyList<T> objects) => _source = objects;
    }
}

/// <summary>The Services (including their EndpointSlices) and Secrets whose objects changed between two snapshots.</summary>
internal sealed class SnapshotChanges
{
    public HashSet<(string Namespace, string Name)> Services { get; } = [];

    public HashSet<(string Namespace, string Name)> Secrets { get; } = [];
}
