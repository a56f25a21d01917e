using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;

namespace Sockway.Controller.Sources.Files;

/// <summary>
/// Standalone source: reads every manifest in a directory, watches it, and publishes a snapshot on each change.
/// A file that fails to parse keeps its last good objects serving, and the error names file, object and field.
/// </summary>
public sealed partial class DirectorySource : BackgroundService
{
    private readonly DirectorySourceOptions _options;
    private readonly SnapshotPublisher _publisher;
    private readonly ILogger<DirectorySource> _logger;
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0, 1);

    public DirectorySource(IOptions<DirectorySourceOptions> options, SnapshotPublisher publisher, ILogger<DirectorySource> logger)
    {
        _options = options.Value;
        _publisher = publisher;
        _logger = logger;
    }

    /// <summary>Problems in the files as they are now (empty when every file parsed).</summary>
    public IReadOnlyList<ManifestError> CurrentErrors { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var directory = Path.GetFullPath(_options.Directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Standalone route directory '{directory}' does not exist (option {DirectorySourceOptions.Section}:Directory, or --routes).");
        }

        using var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        watcher.Changed += (_, _) => Signal();
        watcher.Created += (_, _) => Signal();
        watcher.Deleted += (_, _) => Signal();
        watcher.Renamed += (_, _) => Signal();

        LogWatching(directory);
        Rescan(directory, force: true);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await _changed.WaitAsync(_options.PollInterval, stoppingToken))
                {
                    await Task.Delay(_options.Debounce, stoppingToken);
                }

                Rescan(directory, force: false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
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

    private void Rescan(string directory, bool force)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var changed = force;
        foreach (var path in Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
                     .Where(p => p.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                     .Order(StringComparer.Ordinal))
        {
            seen.Add(path);
            var info = new FileInfo(path);
            var stamp = (info.LastWriteTimeUtc, info.Length);
            if (_files.TryGetValue(path, out var state) && state.Stamp == stamp)
            {
                continue;
            }

            changed = true;
            _files[path] = Load(directory, path, stamp, state);
        }

        foreach (var gone in _files.Keys.Where(p => !seen.Contains(p)).ToList())
        {
            _files.Remove(gone);
            changed = true;
        }

        if (changed)
        {
            CurrentErrors = _files.Values.SelectMany(f => f.Errors).ToList();
            _publisher.Publish(BuildSnapshot());
        }
    }

    private FileState Load(string directory, string path, (DateTime, long) stamp, FileState? previous)
    {
        var relative = Path.GetRelativePath(directory, path);
        string content;
        try
        {
            content = File.ReadAllText(path);
        }
        catch (IOException ex)
        {
            // Mid-write or vanished: keep what we had; the next scan retries.
            LogUnreadable(relative, ex.Message);
            return previous ?? new FileState(default, [], []);
        }

        var parsed = ManifestParser.Parse(relative, content);
        if (parsed.Errors.Count == 0)
        {
            LogLoaded(relative, parsed.Objects.Count);
            return new FileState(stamp, parsed.Objects, []);
        }

        foreach (var error in parsed.Errors)
        {
            LogManifestError(error.File, error.Object, error.Field ?? "(document)", error.Line?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", error.Problem);
        }

        var kept = previous?.Objects ?? [];
        LogKeptLastGood(relative, kept.Count);
        return new FileState(stamp, kept, parsed.Errors);
    }

    private ClusterSnapshot BuildSnapshot()
    {
        var all = _files.Values.SelectMany(f => f.Objects).ToList();
        return new ClusterSnapshot(
            all.OfType<WebSocketRoute>().ToList(),
            all.OfType<V1Service>().ToList(),
            all.OfType<V1EndpointSlice>().ToList(),
            all.OfType<V1Secret>().ToList());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Standalone mode: reading manifests from {Directory}")]
    private partial void LogWatching(string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {File}: {Count} object(s)")]
    private partial void LogLoaded(string file, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Invalid manifest {File}: {Object}: field {Field}: {Problem} (line {Line})")]
    private partial void LogManifestError(string file, string @object, string field, string line, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File} has errors; its last good version ({Count} object(s)) keeps serving")]
    private partial void LogKeptLastGood(string file, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {File}: {Problem}")]
    private partial void LogUnreadable(string file, string problem);

    private sealed record FileState((DateTime, long) Stamp, IReadOnlyList<object> Objects, IReadOnlyList<ManifestError> Errors);
}
