using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>
/// The double's etcd: objects by resource, one global resourceVersion counter, a history of changes that can be
/// compacted (after which watches from older versions get 410 Gone), and live subscriptions for watches.
/// Generation rules as the API server applies them: 1 on create, +1 when anything but metadata and status
/// changes, never on status writes; a resource with a status subresource ignores status in main-resource writes.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceKey, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly List<WatchEvent> _history = [];
    private readonly List<Channel<WatchEvent>> _subscribers = [];
    private long _resourceVersion = 1000;
    private long _compactedAt;

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Everything older than the current resourceVersion is forgotten: older watches get 410 Gone.</summary>
    public void Compact() => Compact(long.MaxValue);

    /// <summary>History up to <paramref name="upTo"/> (at most the current version) is forgotten: watches from older versions get 410 Gone.</summary>
    public void Compact(long upTo)
    {
        lock (_lock)
        {
            _compactedAt = Math.Min(upTo, _resourceVersion);
            _history.RemoveAll(e => e.ResourceVersion <= _compactedAt);
        }
    }

    public IReadOnlyList<JsonObject> List(ResourceKey resource, string? @namespace = null, Func<JsonObject, bool>? filter = null)
    {
        lock (_lock)
        {
            return Objects(resource).Values.Where(o => @namespace is null || NamespaceOf(o) == @namespace).Where(o => filter?.Invoke(o) ?? true)
                .Select(o => (JsonObject)o.DeepClone()).ToList();
        }
    }

    public (IReadOnlyList<JsonObject> Items, long ResourceVersion) ListWithVersion(ResourceKey resource, string? @namespace, Func<JsonObject, bool> filter)
    {
        lock (_lock)
        {
            return (List(resource, @namespace, filter), _resourceVersion);
        }
    }

    public JsonObject? Get(ResourceKey resource, string? @namespace, string name)
    {
        lock (_lock)
        {
            return Objects(resource).TryGetValue(Key(@namespace, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    /// <summary>Create or update, as `kubectl apply` would (no resourceVersion check).</summary>
    public JsonObject Apply(ResourceKey resource, JsonObject obj)
    {
        var metadata = obj["metadata"]!.AsObject();
        var existing = Get(resource, metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>());
        if (existing is not null)
        {
            metadata["resourceVersion"] = existing["metadata"]!["resourceVersion"]!.DeepClone();
        }

        var result = existing is null ? Create(resource, obj) : Update(resource, obj);
        return result.Object ?? throw new InvalidOperationException(result.Message);
    }

    /// <summary>Stores raw JSON as is (for malformed objects a schema-less CRD would let through).</summary>
    public JsonObject ApplyRaw(ResourceKey resource, string json) => Apply(resource, JsonNode.Parse(json)!.AsObject());

    public StoreResult Create(ResourceKey resource, JsonObject obj)
    {
        lock (_lock)
        {
            var metadata = obj["metadata"]?.AsObject();
            var name = metadata?["name"]?.GetValue<string>();
            if (metadata is null || string.IsNullOrEmpty(name))
            {
                return StoreResult.Fail(HttpStatusCode.UnprocessableEntity, "Invalid", "metadata.name: Required value");
            }

            var key = Key(metadata["namespace"]?.GetValue<string>(), name);
            if (Objects(resource).ContainsKey(key))
            {
                return StoreResult.Fail(HttpStatusCode.Conflict, "AlreadyExists", $"{resource.Plural} \"{name}\" already exists");
            }

            var stored = (JsonObject)obj.DeepClone();
            stored["apiVersion"] = resource.ApiVersion;
            stored["kind"] = resource.Kind;
            var meta = stored["metadata"]!.AsObject();
            meta["uid"] = Guid.NewGuid().ToString();
            meta["generation"] = 1L;
            meta["creationTimestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            if (resource.HasStatusSubresource)
            {
                stored.Remove("status");
            }

            return StoreResult.Ok(Commit(resource, key, stored, "ADDED"), HttpStatusCode.Created);
        }
    }

    /// <summary>PUT of the main resource: optimistic concurrency on resourceVersion, generation bumped on spec changes.</summary>
    public StoreResult Update(ResourceKey resource, JsonObject obj)
    {
        lock (_lock)
        {
            var metadata = obj["metadata"]!.AsObject();
            var key = Key(metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>());
            if (!Objects(resource).TryGetValue(key, out var current))
            {
                return StoreResult.Fail(HttpStatusCode.NotFound, "NotFound", $"{resource.Plural} \"{metadata["name"]}\" not found");
            }

            if (metadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 } version && version != current["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                return StoreResult.Fail(HttpStatusCode.Conflict, "Conflict", "the object has been modified; please apply your changes to the latest version and try again");
            }

            var stored = (JsonObject)obj.DeepClone();
            stored["apiVersion"] = resource.ApiVersion;
            stored["kind"] = resource.Kind;
            var meta = stored["metadata"]!.AsObject();
            var currentMeta = current["metadata"]!.AsObject();
            foreach (var field in new[] { "uid", "creationTimestamp", "generation" })
            {
                meta[field] = currentMeta[field]?.DeepClone();
            }

            if (resource.HasStatusSubresource)
            {
                stored["status"] = current["status"]?.DeepClone();
            }

            if (!JsonNode.DeepEquals(WithoutMetadataAndStatus(current), WithoutMetadataAndStatus(stored)))
            {
                meta["generation"] = currentMeta["generation"]!.GetValue<long>() + 1;
            }

            return StoreResult.Ok(Commit(resource, key, stored, "MODIFIED"));
        }
    }

    /// <summary>PATCH (merge) of the main resource or, with <paramref name="statusOnly"/>, of the status subresource.</summary>
    public StoreResult Patch(ResourceKey resource, string? @namespace, string name, JsonObject patch, bool statusOnly)
    {
        lock (_lock)
        {
            if (!Objects(resource).TryGetValue(Key(@namespace, name), out var current))
            {
                return StoreResult.Fail(HttpStatusCode.NotFound, "NotFound", $"{resource.Plural} \"{name}\" not found");
            }

            var patched = MergePatch.Apply(current, patch)!.AsObject();
            return statusOnly ? WriteStatus(resource, current, patched["status"]) : Update(resource, WithVersionOf(current, patched));
        }
    }

    /// <summary>PUT of the status subresource: only status changes; resourceVersion checked; generation untouched.</summary>
    public StoreResult ReplaceStatus(ResourceKey resource, string? @namespace, string name, JsonObject obj)
    {
        lock (_lock)
        {
            if (!Objects(resource).TryGetValue(Key(@namespace, name), out var current))
            {
                return StoreResult.Fail(HttpStatusCode.NotFound, "NotFound", $"{resource.Plural} \"{name}\" not found");
            }

            if (obj["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } version && version != current["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                return StoreResult.Fail(HttpStatusCode.Conflict, "Conflict", "the object has been modified; please apply your changes to the latest version and try again");
            }

            return WriteStatus(resource, current, obj["status"]);
        }
    }

    public bool Delete(ResourceKey resource, string? @namespace, string name)
    {
        lock (_lock)
        {
            var key = Key(@namespace, name);
            if (!Objects(resource).Remove(key, out var current))
            {
                return false;
            }

            var deleted = (JsonObject)current.DeepClone();
            deleted["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            Publish(new WatchEvent(_resourceVersion, resource, "DELETED", deleted));
            return true;
        }
    }

    /// <summary>
    /// Subscribes to changes after <paramref name="fromVersion"/>: the backlog from history, then live events.
    /// Null when the version is older than the last compaction (the caller answers 410 Gone).
    /// </summary>
    public (IReadOnlyList<WatchEvent> Backlog, Channel<WatchEvent> Live)? Subscribe(ResourceKey resource, long? fromVersion)
    {
        lock (_lock)
        {
            IReadOnlyList<WatchEvent> backlog;
            if (fromVersion is null or 0)
            {
                // "Any version": synthetic ADDED events for the current state, as the API server sends.
                backlog = Objects(resource).Values.Select(o => new WatchEvent(long.Parse(o["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture), resource, "ADDED", (JsonObject)o.DeepClone())).ToList();
            }
            else if (fromVersion < _compactedAt)
            {
                return null;
            }
            else
            {
                backlog = _history.Where(e => e.Resource == resource && e.ResourceVersion > fromVersion).ToList();
            }

            var live = Channel.CreateUnbounded<WatchEvent>();
            _subscribers.Add(live);
            return (backlog, live);
        }
    }

    public void Unsubscribe(Channel<WatchEvent> live)
    {
        lock (_lock)
        {
            _subscribers.Remove(live);
        }
    }

    private StoreResult WriteStatus(ResourceKey resource, JsonObject current, JsonNode? status)
    {
        var stored = (JsonObject)current.DeepClone();
        stored["status"] = status?.DeepClone();
        var key = Key(NamespaceOf(current), current["metadata"]!["name"]!.GetValue<string>());
        return StoreResult.Ok(Commit(resource, key, stored, "MODIFIED"));
    }

    private JsonObject Commit(ResourceKey resource, string key, JsonObject stored, string type)
    {
        stored["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        Objects(resource)[key] = stored;
        Publish(new WatchEvent(_resourceVersion, resource, type, (JsonObject)stored.DeepClone()));
        return (JsonObject)stored.DeepClone();
    }

    private void Publish(WatchEvent change)
    {
        _history.Add(change);
        foreach (var subscriber in _subscribers)
        {
            subscriber.Writer.TryWrite(change);
        }
    }

    private SortedDictionary<string, JsonObject> Objects(ResourceKey resource)
    {
        if (!_objects.TryGetValue(resource, out var objects))
        {
            _objects[resource] = objects = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        }

        return objects;
    }

    private static JsonObject WithVersionOf(JsonObject current, JsonObject patched)
    {
        patched["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.DeepClone();
        return patched;
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private static string? NamespaceOf(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    private static string Key(string? @namespace, string name) => $"{@namespace}/{name}";
}
