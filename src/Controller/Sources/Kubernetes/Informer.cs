using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>
/// A small informer: lists a resource, then watches from the list's resourceVersion (with bookmarks), keeping a
/// cache of the objects. A watch the server ends is resumed from the last resourceVersion seen; an expired one
/// (410 Gone) leads to a fresh list, diffed against the cache so vanished objects become deletes. Errors are
/// retried with jittered exponential backoff, and the cache keeps its last known objects meanwhile.
/// Objects are read one by one from raw JSON, so one malformed object is reported and skipped instead of
/// failing the whole list or ending the watch.
/// </summary>
public sealed class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int ListPageSize = 500;

    private readonly IKubernetes _client;
    private readonly ResourceType _type;
    private readonly string? _namespace;
    private readonly InformerSettings _settings;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private string? _resourceVersion;
    private long _reconnects;
    private long _relists;
    private long _malformedCount;
    private int _failures;
    private int _expiriesInARow;
    private bool _listedOnce;
    private bool _watchedOnce;
    private bool _recovering;
    private string _verb = "list";
    private volatile InformerSyncState _state = InformerSyncState.Unsynced;
    private readonly bool _optional;
    private bool _reportedAbsent;

    /// <param name="optional">
    /// The resource's API may not be installed (Gateway API CRDs): a 404 on list counts as an empty, synced list (so the
    /// rest of the controller serves), is logged once, and the list is retried at the backoff's ceiling, so CRDs
    /// installed later are picked up.
    /// </param>
    public Informer(IKubernetes client, ResourceType type, string? @namespace, InformerSettings settings, ILogger logger, bool optional = false)
    {
        _optional = optional;
        _client = client;
        _type = type;
        _namespace = @namespace;
        _settings = settings;
        _logger = logger;
        Name = $"{type} in {(@namespace is null ? "all namespaces" : "namespace " + @namespace)}";
    }

    public string Name { get; }

    public string Resource => _type.Plural;

    public string? Namespace => _namespace;

    public InformerSyncState State => _state;

    public bool HasSynced => Volatile.Read(ref _listedOnce);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long Relists => Interlocked.Read(ref _relists);

    public long MalformedObjects => Interlocked.Read(ref _malformedCount);

    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>The resourceVersion the next watch resumes from (null when a list is due).</summary>
    public string? ResourceVersion => _resourceVersion;

    /// <summary>Raised on the informer's loop for each change to the cache; handlers must be quick.</summary>
    public event Action<InformerChange<T>>? Changed;

    /// <summary>Raised when the initial list, or a relist, has completed.</summary>
    public event Action? Listed;

    /// <summary>Raised for an object that could not be read; the previous version of it (if any) stays cached.</summary>
    public event Action<MalformedObject>? Malformed;

    public event Action<IInformer>? StateChanged;

    /// <summary>The cached objects, copied.</summary>
    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_lock)
            {
                return _items.Values.ToList();
            }
        }
    }

    public T? Get(string? @namespace, string name)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(KeyOf(@namespace, name));
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Every attempt after the first counts, so failures before the first sync show up too.
                if (_watchedOnce)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                _watchedOnce = true;
                if (_resourceVersion is null)
                {
                    await ListAsync(cancellationToken);
                }

                if (await WatchAsync(cancellationToken) == WatchEnd.Expired)
                {
                    InformerLog.Expired(_logger, Name);
                    _resourceVersion = null;
                    // Expiring again straight after a fresh list, with no event in between, would loop hot.
                    if (++_expiriesInARow > 1)
                    {
                        await Task.Delay(_settings.Backoff(_expiriesInARow - 1), cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
            {
                InformerLog.Expired(_logger, Name);
                _resourceVersion = null;
            }
            catch (HttpOperationException ex) when (_optional && ex.Response?.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                _resourceVersion = null;
                if (!await AbsentAsync(ApiErrors.Describe(ex, _verb, _type, _namespace), cancellationToken))
                {
                    break;
                }
            }
            catch (Exception ex)
            {
                // As client-go's reflector does: after a failure, list again rather than trust a resumed watch, so
                // deletes missed meanwhile are seen and the state is known to be Synced as soon as the list is in.
                _resourceVersion = null;
                var failures = Interlocked.Increment(ref _failures);
                SetState(_listedOnce ? InformerSyncState.Reconnecting : InformerSyncState.Unsynced);
                var delay = NextDelay(ex, failures);
                var problem = ApiErrors.Describe(ex, _verb, _type, _namespace);
                if ((failures & (failures - 1)) != 0)
                {
                    // Retries during a long outage come often: a warning on the 1st, 2nd, 4th, 8th... failure is enough.
                    InformerLog.StillFailing(_logger, Name, failures, delay.TotalMilliseconds, problem);
                }
                else if (_listedOnce)
                {
                    InformerLog.Failed(_logger, Name, failures, delay.TotalMilliseconds, problem);
                }
                else
                {
                    InformerLog.FailedBeforeFirstList(_logger, Name, failures, delay.TotalMilliseconds, problem);
                }

                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// The API is not installed (or not granted to an optional informer): nothing of it is served, which is a complete
    /// answer; the rest of the controller goes on. False when cancelled.
    /// </summary>
    private async Task<bool> AbsentAsync(string problem, CancellationToken cancellationToken)
    {
        if (!_reportedAbsent)
        {
            _reportedAbsent = true;
            InformerLog.ApiAbsent(_logger, Name, problem);
        }

        List<InformerChange<T>> changes;
        lock (_lock)
        {
            changes = Diff(_items, new Dictionary<string, T>(StringComparer.Ordinal));
            _items = new Dictionary<string, T>(StringComparer.Ordinal);
        }

        foreach (var change in changes)
        {
            Changed?.Invoke(change);
        }

        var first = !_listedOnce;
        Volatile.Write(ref _listedOnce, true);
        Volatile.Write(ref _failures, 0);
        SetState(InformerSyncState.Synced);
        if (first || changes.Count > 0)
        {
            Listed?.Invoke();
        }

        try
        {
            await Task.Delay(_settings.MaxBackoff, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// The wait before the next try. While the API server cannot be reached at all (connection refused or reset, as
    /// during a restart) a try is cheap for it, so the wait stays short and the informer is back within about a second
    /// of the server; the first answers of a server that is starting (403 before its RBAC is loaded, 503, 429) then
    /// restart the exponential backoff from its first step instead of continuing from where the outage left it.
    /// </summary>
    private TimeSpan NextDelay(Exception ex, int failures)
    {
        if (ApiErrors.IsUnreachable(ex))
        {
            _recovering = true;
            return TimeSpan.FromTicks(Math.Min(_settings.Backoff(failures).Ticks, _settings.ReconnectCeiling.Ticks));
        }

        if (_recovering)
        {
            // The first answer after an outage: count again from one.
            _recovering = false;
            Volatile.Write(ref _failures, 1);
            failures = 1;
        }

        return _settings.Backoff(failures);
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        _verb = "list";
        var listed = new Dictionary<string, T>(StringComparer.Ordinal);
        var malformed = new HashSet<string>(StringComparer.Ordinal);
        string? continueToken = null;
        string? resourceVersion;
        do
        {
            var page = await ListPageAsync(continueToken, cancellationToken);
            var root = (JsonElement)page;
            foreach (var item in root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : default)
            {
                var key = RawKey(item);
                if (TryRead(item, out var obj))
                {
                    listed[key] = obj;
                }
                else if (key.Length > 0)
                {
                    malformed.Add(key);
                }
            }

            var metadata = root.GetProperty("metadata");
            resourceVersion = StringOf(metadata, "resourceVersion");
            continueToken = StringOf(metadata, "continue");
        }
        while (!string.IsNullOrEmpty(continueToken));

        List<InformerChange<T>> changes;
        lock (_lock)
        {
            // A malformed object keeps its last good version, as it does in a watch.
            foreach (var key in malformed)
            {
                if (_items.TryGetValue(key, out var kept))
                {
                    listed[key] = kept;
                }
            }

            changes = Diff(_items, listed);
            _items = listed;
        }

        if (_listedOnce)
        {
            Interlocked.Increment(ref _relists);
        }

        _resourceVersion = resourceVersion;
        InformerLog.Listed(_logger, Name, listed.Count, resourceVersion ?? "-", changes.Count);
        foreach (var change in changes)
        {
            Changed?.Invoke(change);
        }

        Volatile.Write(ref _listedOnce, true);
        Volatile.Write(ref _failures, 0);
        SetState(InformerSyncState.Synced);
        Listed?.Invoke();
    }

    private async Task<object> ListPageAsync(string? continueToken, CancellationToken cancellationToken)
    {
        var custom = _client.CustomObjects;
        using var response = _namespace is null
            ? await custom.ListClusterCustomObjectWithHttpMessagesAsync(_type.Group, _type.Version, _type.Plural, continueParameter: continueToken,
                fieldSelector: _type.FieldSelector, limit: ListPageSize, cancellationToken: cancellationToken)
            : await custom.ListNamespacedCustomObjectWithHttpMessagesAsync(_type.Group, _type.Version, _namespace, _type.Plural, continueParameter: continueToken,
                fieldSelector: _type.FieldSelector, limit: ListPageSize, cancellationToken: cancellationToken);
        return response.Body;
    }

    private async Task<WatchEnd> WatchAsync(CancellationToken cancellationToken)
    {
        _verb = "watch";
        // The server ends the watch after timeoutSeconds; the client-side cap only guards against a connection
        // that silently stopped delivering (a dead proxy, a half-open TCP connection).
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cap.CancelAfter(_settings.WatchTimeout + _settings.WatchTimeout / 2 + TimeSpan.FromSeconds(10));
        var timeoutSeconds = (int)Math.Ceiling(_settings.WatchTimeout.TotalSeconds);
        // KubernetesClient reports ERROR events (a Status object) through onError rather than as items.
        var expired = false;
        Exception? failure = null;
        void OnError(Exception ex)
        {
            if (ex is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                expired = true;
            }
            else
            {
                failure ??= ex;
            }

            cap.Cancel();
        }

        try
        {
            // Items come as raw JSON so each object is read on its own (see TryRead).
            var events = _namespace is null
                ? _client.CustomObjects.WatchListClusterCustomObjectAsync(_type.Group, _type.Version, _type.Plural, allowWatchBookmarks: true,
                    fieldSelector: _type.FieldSelector, resourceVersion: _resourceVersion, timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cap.Token)
                : _client.CustomObjects.WatchListNamespacedCustomObjectAsync(_type.Group, _type.Version, _namespace, _type.Plural, allowWatchBookmarks: true,
                    fieldSelector: _type.FieldSelector, resourceVersion: _resourceVersion, timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: cap.Token);
            await foreach (var (type, obj) in events)
            {
                SetState(InformerSyncState.Synced);
                Volatile.Write(ref _failures, 0);
                _expiriesInARow = 0;
                Apply(type, (JsonElement)obj);
            }
        }
        catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
        {
            // KubernetesClient reads ahead for the first line; a watch the server ends before sending any event
            // (a quiet resource reaching timeoutSeconds) surfaces as this. It is a normal end.
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !expired && failure is null)
        {
            InformerLog.WatchStalled(_logger, Name);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Cancelled by OnError: handled below.
        }

        if (expired)
        {
            return WatchEnd.Expired;
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"the watch ended with an error: {failure.Message}", failure);
        }

        InformerLog.WatchClosed(_logger, Name, _resourceVersion ?? "-");
        return WatchEnd.Closed;
    }

    private void Apply(WatchEventType type, JsonElement obj)
    {
        switch (type)
        {
            case WatchEventType.Bookmark:
                InformerLog.Bookmark(_logger, Name, RawResourceVersion(obj) ?? "-");
                break;
            case WatchEventType.Added or WatchEventType.Modified:
                Upsert(obj);
                break;
            case WatchEventType.Deleted:
                Remove(obj);
                break;
            default:
                InformerLog.UnknownEvent(_logger, Name, type.ToString());
                break;
        }

        _resourceVersion = RawResourceVersion(obj) ?? _resourceVersion;
    }

    private void Upsert(JsonElement raw)
    {
        if (!TryRead(raw, out var obj))
        {
            return;
        }

        var key = KeyOf(obj.Metadata.NamespaceProperty, obj.Metadata.Name);
        T? old;
        lock (_lock)
        {
            _items.TryGetValue(key, out old);
            _items[key] = obj;
        }

        Changed?.Invoke(new InformerChange<T>(old is null ? InformerChangeType.Added : InformerChangeType.Modified, old, obj));
    }

    private void Remove(JsonElement raw)
    {
        var key = RawKey(raw);
        T? old;
        lock (_lock)
        {
            if (!_items.Remove(key, out old))
            {
                return;
            }
        }

        Changed?.Invoke(new InformerChange<T>(InformerChangeType.Deleted, old, null));
    }

    private bool TryRead(JsonElement raw, out T obj)
    {
        string problem;
        try
        {
            var read = KubernetesJson.Deserialize<T>(raw.GetRawText());
            if (read?.Metadata?.Name is { Length: > 0 })
            {
                obj = read;
                return true;
            }

            problem = "metadata.name is missing";
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            // The message names the JSON path and the expected type, never the value, so Secret data cannot leak.
            problem = ex.Message;
        }

        obj = null!;
        Interlocked.Increment(ref _malformedCount);
        var metadata = raw.TryGetProperty("metadata", out var m) ? m : default;
        var malformed = new MalformedObject(_type.ApiVersion, _type.Kind, StringOf(metadata, "namespace"), StringOf(metadata, "name") ?? "(unnamed)",
            StringOf(metadata, "uid"), problem);
        InformerLog.MalformedObject(_logger, Name, malformed.ToString(), problem);
        Malformed?.Invoke(malformed);
        return false;
    }

    private static List<InformerChange<T>> Diff(Dictionary<string, T> before, Dictionary<string, T> after)
    {
        var changes = new List<InformerChange<T>>();
        foreach (var (key, old) in before)
        {
            if (!after.ContainsKey(key))
            {
                changes.Add(new InformerChange<T>(InformerChangeType.Deleted, old, null));
            }
        }

        foreach (var (key, obj) in after)
        {
            if (!before.TryGetValue(key, out var old))
            {
                changes.Add(new InformerChange<T>(InformerChangeType.Added, null, obj));
            }
            else if (!ReferenceEquals(old, obj) && old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion)
            {
                changes.Add(new InformerChange<T>(InformerChangeType.Modified, old, obj));
            }
        }

        return changes;
    }

    private void SetState(InformerSyncState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        InformerLog.StateChanged(_logger, Name, state);
        StateChanged?.Invoke(this);
    }

    private static string KeyOf(string? @namespace, string name) => $"{@namespace}/{name}";

    private static string RawKey(JsonElement raw)
    {
        var metadata = raw.TryGetProperty("metadata", out var m) ? m : default;
        var name = StringOf(metadata, "name");
        return name is null ? string.Empty : KeyOf(StringOf(metadata, "namespace"), name);
    }

    private static string? RawResourceVersion(JsonElement raw) =>
        raw.TryGetProperty("metadata", out var metadata) ? StringOf(metadata, "resourceVersion") : null;

    private static string? StringOf(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private enum WatchEnd
    {
        Continue,
        Closed,
        Expired,
    }
}
