using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;

namespace Sockway.Controller.Sources.Files;

/// <summary>
/// Standalone source: reads every manifest in a directory, watches it, and publishes a snapshot on each change.
/// A file that fails to parse keeps its last good objects serving, and the error names file, object and field.
/// Nothing the directory holds or does (vanishing, turning unreadable, garbage) stops this source: it reports the
/// problem and keeps the last good config until the directory reads again.
/// </summary>
public sealed partial class DirectorySource : BackgroundService
{
    private readonly DirectorySourceOptions _options;
    private readonly SnapshotPublisher _publisher;
    private readonly TimeProvider _clock;
    private readonly ILogger<DirectorySource> _logger;
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private readonly FirstSeenOrder _order = new();
    private readonly SemaphoreSlim _changed = new(0, 1);
    private long _sequence;
    private long _scanFailures;
    private ClusterSnapshot? _published;
    // Where each object of the last whole publish sits in its kind's list, and how many duplicates it reported.
    private readonly Dictionary<(string Kind, string Namespace, string Name), int> _positions = [];
    private int _duplicates;

    public DirectorySource(IOptions<DirectorySourceOptions> options, SnapshotPublisher publisher, TimeProvider clock, ILogger<DirectorySource> logger)
    {
        _options = options.Value;
        _publisher = publisher;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Problems in the files as they are now (empty when every file parsed): parse errors, duplicates, an unreadable directory.</summary>
    public IReadOnlyList<ManifestError> CurrentErrors { get; private set; } = [];

    /// <summary>Documents ignored as not Sockway's (unknown kinds or versions), each with file and line.</summary>
    public IReadOnlyList<ManifestError> CurrentWarnings { get; private set; } = [];

    /// <summary>Why the directory itself cannot be read now (the last good config keeps serving), or null.</summary>
    public string? DirectoryProblem { get; private set; }

    /// <summary>Scans that failed (directory missing or unreadable) since start.</summary>
    public long ScanFailures => Interlocked.Read(ref _scanFailures);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var directory = Path.GetFullPath(_options.Directory);
        LogWatching(directory);
        FileSystemWatcher? watcher = null;
        var force = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    watcher ??= Watch(directory);
                    if (Rescan(directory, force))
                    {
                        force = false;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The watcher cannot outlive its directory; it is re-created once the directory reads again.
                    watcher?.Dispose();
                    watcher = null;
                    ReportDirectoryProblem(directory, ex);
                }

                try
                {
                    if (await _changed.WaitAsync(_options.PollInterval, stoppingToken))
                    {
                        await Task.Delay(_options.Debounce, stoppingToken);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            watcher?.Dispose();
        }
    }

    private FileSystemWatcher Watch(string directory)
    {
        var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true };
        watcher.Changed += (_, _) => Signal();
        watcher.Created += (_, _) => Signal();
        watcher.Deleted += (_, _) => Signal();
        watcher.Renamed += (_, _) => Signal();
        // Lost events (a full buffer) or a watched directory gone: the next scan finds out what happened.
        watcher.Error += (_, _) => Signal();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private void ReportDirectoryProblem(string directory, Exception ex)
    {
        Interlocked.Increment(ref _scanFailures);
        var problem = ex switch
        {
            DirectoryNotFoundException => "the directory does not exist",
            UnauthorizedAccessException => "permission denied",
            _ => ex.Message,
        };
        if (DirectoryProblem != problem)
        {
            LogDirectoryUnreadable(directory, problem, _files.Values.Sum(f => f.Objects.Count));
        }

        DirectoryProblem = problem;
        CurrentErrors = [new ManifestError(directory, "(routes directory)", null, null, $"cannot be read ({problem}); the last good config keeps serving")];
    }

    /// <returns>True once the directory was read (and a snapshot published if anything changed).</returns>
    private bool Rescan(string directory, bool force)
    {
        var listed = ManifestFiles.List(directory);
        if (DirectoryProblem is not null)
        {
            LogDirectoryReadable(directory);
            DirectoryProblem = null;
            force = true;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var changed = force;
        // Files whose content changed in place, as they were: the common case (one file rewritten) publishes in O(that file).
        var rewritten = new List<FileState>();
        var addedOrGone = false;
        foreach (var file in listed)
        {
            seen.Add(file.Path);
            if (_files.TryGetValue(file.Path, out var state) && state.Stamp == file.Stamp)
            {
                continue;
            }

            changed = true;
            if (state is null)
            {
                addedOrGone = true;
            }
            else
            {
                rewritten.Add(state);
            }

            // A file keeps the place it was first seen in: its objects win duplicates against files added later.
            _files[file.Path] = Load(file, state) with { Sequence = state?.Sequence ?? ++_sequence };
        }

        foreach (var gone in _files.Keys.Where(p => !seen.Contains(p)).ToList())
        {
            _files.Remove(gone);
            changed = true;
            addedOrGone = true;
        }

        if (changed && (force || addedOrGone || !TryPublishRewritten(rewritten)))
        {
            Publish();
        }

        return true;
    }

    /// <summary>
    /// Publishes files rewritten with the same objects (kind, namespace, name, in order) by replacing those objects in
    /// the last snapshot's lists, and names them as the snapshot's changes. False (nothing published) when a file's
    /// objects or errors differ, or the last publish had duplicates: then the whole directory is published again.
    /// </summary>
    private bool TryPublishRewritten(List<FileState> before)
    {
        if (_published is not { } last || _duplicates > 0)
        {
            return false;
        }

        var replaced = new List<(object Old, object New)>();
        foreach (var old in before)
        {
            var now = _files.Values.First(f => f.Relative == old.Relative);
            if (old.Errors.Count > 0 || now.Errors.Count > 0 || now.Objects.Count != old.Objects.Count)
            {
                return false;
            }

            for (var i = 0; i < now.Objects.Count; i++)
            {
                if (now.Objects[i].GetType() != old.Objects[i].GetType() || KeyOf(now.Objects[i]) != KeyOf(old.Objects[i]))
                {
                    return false;
                }

                replaced.Add((old.Objects[i], now.Objects[i]));
            }
        }

        var lists = new Dictionary<Type, System.Collections.IList>();
        var changes = new List<ObjectChange>(replaced.Count);
        foreach (var (old, now) in replaced)
        {
            var key = KeyOf(old);
            if (!_positions.TryGetValue(key, out var position))
            {
                return false;
            }

            if (!lists.TryGetValue(old.GetType(), out var list))
            {
                lists[old.GetType()] = list = CopyOf(last, old.GetType());
            }

            if (position >= list.Count || !ReferenceEquals(list[position], old)
                || now is not IKubernetesObject<V1ObjectMeta> { Metadata: { } metadata } || old is not IKubernetesObject<V1ObjectMeta> { Metadata: { } oldMetadata })
            {
                return false;
            }

            // First seen when the object it replaces was.
            metadata.CreationTimestamp = oldMetadata.CreationTimestamp;
            list[position] = now;
            changes.Add(new ObjectChange(now.GetType(), key.Namespace, key.Name, now));
        }

        CurrentWarnings = _files.Values.OrderBy(f => f.Sequence).SelectMany(f => f.Warnings).ToList();
        Publish(With(last, lists) with { Changes = new ObjectChanges(last, changes) });
        return true;
    }

    private static System.Collections.IList CopyOf(ClusterSnapshot snapshot, Type kind) => kind.Name switch
    {
        nameof(WebSocketRoute) => snapshot.Routes.ToList(),
        nameof(V1Service) => snapshot.Services.ToList(),
        nameof(V1EndpointSlice) => snapshot.EndpointSlices.ToList(),
        nameof(V1Secret) => snapshot.Secrets.ToList(),
        nameof(V1Ingress) => snapshot.Ingresses.ToList(),
        nameof(V1IngressClass) => snapshot.IngressClasses.ToList(),
        nameof(GatewayClass) => snapshot.GatewayClasses.ToList(),
        nameof(GatewayResource) => snapshot.Gateways.ToList(),
        nameof(HttpRoute) => snapshot.HttpRoutes.ToList(),
        nameof(ReferenceGrant) => snapshot.ReferenceGrants.ToList(),
        nameof(WebSocketPolicy) => snapshot.WebSocketPolicies.ToList(),
        _ => throw new InvalidOperationException($"no snapshot list for {kind.Name}"),
    };

    // The snapshot with the lists that were copied and changed; every other list is the same instance.
    private static ClusterSnapshot With(ClusterSnapshot last, Dictionary<Type, System.Collections.IList> lists)
    {
        IReadOnlyList<T> Pick<T>(IReadOnlyList<T> kept) => lists.TryGetValue(typeof(T), out var list) ? (List<T>)list : kept;
        return new ClusterSnapshot(Pick(last.Routes), Pick(last.Services), Pick(last.EndpointSlices), Pick(last.Secrets))
        {
            Ingresses = Pick(last.Ingresses),
            IngressClasses = Pick(last.IngressClasses),
            GatewayClasses = Pick(last.GatewayClasses),
            Gateways = Pick(last.Gateways),
            HttpRoutes = Pick(last.HttpRoutes),
            ReferenceGrants = Pick(last.ReferenceGrants),
            WebSocketPolicies = Pick(last.WebSocketPolicies),
        };
    }

    private void Publish(ClusterSnapshot snapshot)
    {
        _published = snapshot;
        _publisher.Publish(snapshot);
    }

    private void Publish()
    {
        var errors = new List<ManifestError>();
        var kept = new List<(object Object, string File, int Line)>();
        var owners = new Dictionary<(string Kind, string Namespace, string Name), (string File, int Line)>();
        var duplicates = 0;
        foreach (var file in _files.Values.OrderBy(f => f.Sequence))
        {
            errors.AddRange(file.Errors);
            for (var i = 0; i < file.Objects.Count; i++)
            {
                var item = file.Objects[i];
                var line = i < file.Lines.Count ? file.Lines[i] : 1;
                var key = KeyOf(item);
                if (owners.TryGetValue(key, out var owner))
                {
                    var error = new ManifestError(file.Relative, $"{key.Kind} {key.Namespace}/{key.Name}", "metadata.name", line,
                        $"duplicate: already defined at {owner.File}:{owner.Line}, which keeps serving; this copy is ignored");
                    errors.Add(error);
                    duplicates++;
                    LogDuplicate(error.File, error.Object, line, owner.File, owner.Line);
                    continue;
                }

                owners[key] = (file.Relative, line);
                kept.Add((item, file.Relative, line));
            }
        }

        var stamps = _order.Update(owners.Keys, _clock.GetUtcNow().UtcDateTime);
        foreach (var (item, _, _) in kept)
        {
            if (item is IKubernetesObject<V1ObjectMeta> { Metadata: { } metadata })
            {
                // As an API server stamps an object when it is created: here, when this process first saw it.
                metadata.CreationTimestamp = stamps[KeyOf(item)];
            }
        }

        CurrentErrors = errors;
        CurrentWarnings = _files.Values.OrderBy(f => f.Sequence).SelectMany(f => f.Warnings).ToList();
        var all = kept.Select(k => k.Object).ToList();
        _duplicates = duplicates;
        _positions.Clear();
        var counts = new Dictionary<Type, int>();
        foreach (var item in all)
        {
            var index = counts.GetValueOrDefault(item.GetType());
            counts[item.GetType()] = index + 1;
            _positions[KeyOf(item)] = index;
        }

        Publish(new ClusterSnapshot(
            all.OfType<WebSocketRoute>().ToList(),
            all.OfType<V1Service>().ToList(),
            all.OfType<V1EndpointSlice>().ToList(),
            all.OfType<V1Secret>().ToList())
        {
            Ingresses = all.OfType<V1Ingress>().ToList(),
            IngressClasses = all.OfType<V1IngressClass>().ToList(),
            GatewayClasses = all.OfType<GatewayClass>().ToList(),
            Gateways = all.OfType<GatewayResource>().ToList(),
            HttpRoutes = all.OfType<HttpRoute>().ToList(),
            ReferenceGrants = all.OfType<ReferenceGrant>().ToList(),
            WebSocketPolicies = all.OfType<WebSocketPolicy>().ToList(),
        });
    }

    private static (string Kind, string Namespace, string Name) KeyOf(object item)
    {
        var metadata = (item as IKubernetesObject<V1ObjectMeta>)?.Metadata;
        var ns = string.IsNullOrEmpty(metadata?.NamespaceProperty) ? "default" : metadata.NamespaceProperty;
        return (item.GetType().Name switch { nameof(V1Service) => "Service", nameof(V1EndpointSlice) => "EndpointSlice", nameof(V1Secret) => "Secret", nameof(V1Ingress) => "Ingress", nameof(V1IngressClass) => "IngressClass", _ => item.GetType().Name },
            ns, metadata?.Name ?? string.Empty);
    }

    private FileState Load(ManifestFile file, FileState? previous)
    {
        var relative = file.Relative;
        ParsedManifest parsed;
        if (file.Stamp.Length > ManifestParser.MaxFileBytes)
        {
            parsed = new ParsedManifest([], [new ManifestError(relative, "(file)", null, null,
                $"the file is {file.Stamp.Length / 1024} KiB; manifests larger than {ManifestParser.MaxFileBytes / 1024 / 1024} MiB are refused")]);
        }
        else
        {
            string content;
            try
            {
                content = File.ReadAllText(file.Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Mid-write, vanished or unreadable: keep what we had, and say why; the next scan retries.
                LogUnreadable(relative, ex.Message);
                var kept = previous ?? new FileState(default, relative, [], [], [], []);
                return kept with { Stamp = default, Errors = [new ManifestError(relative, "(file)", null, null, "cannot be read: " + ex.Message)] };
            }

            parsed = ManifestParser.Parse(relative, content);
        }

        foreach (var warning in parsed.Warnings)
        {
            LogManifestWarning(warning.File, warning.Line?.ToString(CultureInfo.InvariantCulture) ?? "?", warning.Object, warning.Problem);
        }

        if (parsed.Errors.Count == 0)
        {
            LogLoaded(relative, parsed.Objects.Count);
            return new FileState(file.Stamp, relative, parsed.Objects, parsed.Lines, [], parsed.Warnings);
        }

        foreach (var error in parsed.Errors)
        {
            LogManifestError(error.File, error.Object, error.Field ?? "(document)", error.Line?.ToString(CultureInfo.InvariantCulture) ?? "unknown", error.Problem);
        }

        LogKeptLastGood(relative, previous?.Objects.Count ?? 0);
        return new FileState(file.Stamp, relative, previous?.Objects ?? [], previous?.Lines ?? [], parsed.Errors, parsed.Warnings);
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Standalone mode: reading manifests from {Directory}")]
    private partial void LogWatching(string directory);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Loaded {File}: {Count} object(s)")]
    private partial void LogLoaded(string file, int count);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Invalid manifest {File}: {Object}: field {Field}: {Problem} (line {Line})")]
    private partial void LogManifestError(string file, string @object, string field, string line, string problem);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "{File} has errors; its last good version ({Count} object(s)) keeps serving")]
    private partial void LogKeptLastGood(string file, int count);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Could not read {File}: {Problem}")]
    private partial void LogUnreadable(string file, string problem);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "{File}:{Line}: {Object}: {Problem}")]
    private partial void LogManifestWarning(string file, string line, string @object, string problem);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "{File}:{Line}: {Object} is already defined at {OwnerFile}:{OwnerLine}; the first one keeps serving, this copy is ignored")]
    private partial void LogDuplicate(string file, string @object, int line, string ownerFile, int ownerLine);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "Routes directory {Directory} cannot be read ({Problem}); the last good config ({Count} object(s)) keeps serving")]
    private partial void LogDirectoryUnreadable(string directory, string problem, int count);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "Routes directory {Directory} can be read again")]
    private partial void LogDirectoryReadable(string directory);

    private sealed record FileState(
        (string, DateTime, long) Stamp,
        string Relative,
        IReadOnlyList<object> Objects,
        IReadOnlyList<int> Lines,
        IReadOnlyList<ManifestError> Errors,
        IReadOnlyList<ManifestError> Warnings)
    {
        public long Sequence { get; init; }
    }
}
