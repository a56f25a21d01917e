using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sockway.Controller.Leadership;
using Sockway.Controller.Sources.Kubernetes;

namespace Sockway.Controller.Status;

/// <summary>
/// Records Warning Events on API objects, and only from the leader so replicas do not repeat each other. As
/// Kubernetes' own recorder does, one Event stands for each distinct (object uid, reason, message): a repeat
/// raises its count and lastTimestamp instead of adding an Event. Reports without a uid (the object is gone) are
/// dropped. Posting never blocks the caller (informer or status loop): a background loop talks to the API server.
/// Reports made while following are kept and sent on becoming leader.
/// </summary>
public sealed partial class KubernetesEventRecorder : BackgroundService
{
    private const string Component = "sockway";
    private const int MaxRemembered = 10_000;

    private readonly IKubernetes _client;
    private readonly LeadershipService _leadership;
    private readonly TimeProvider _clock;
    private readonly ILogger<KubernetesEventRecorder> _logger;
    private readonly Channel<ObjectEvent> _queue = Channel.CreateBounded<ObjectEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
    // What was recorded per dedup key: the Event's name and its count, so a repeat updates it.
    private readonly ConcurrentDictionary<string, RecordedEvent> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ObjectEvent> _held = new(StringComparer.Ordinal);
    private long _recorded;
    private long _updated;

    public KubernetesEventRecorder(IKubernetes client, LeadershipService leadership, KubernetesSource source, TimeProvider clock, ILogger<KubernetesEventRecorder> logger)
    {
        _client = client;
        _leadership = leadership;
        _clock = clock;
        _logger = logger;
        source.Malformed += m => Post(new ObjectEvent(m.ApiVersion, m.Kind, m.Namespace, m.Name, m.Uid, "Malformed", $"skipped: the object could not be read: {m.Problem}"));
        leadership.LeadershipChanged += leader =>
        {
            if (leader)
            {
                foreach (var held in _held.Values)
                {
                    Post(held);
                }
            }
        };
    }

    /// <summary>Events created so far by this replica.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Events updated (a repeat counted) so far by this replica.</summary>
    public long Updated => Interlocked.Read(ref _updated);

    /// <summary>Reports an occurrence: a new Event, or one more count on the Event already standing for it.</summary>
    public void Post(ObjectEvent objectEvent)
    {
        if (string.IsNullOrEmpty(objectEvent.Uid))
        {
            // The object is gone (its uid lookup raced the delete): an Event on nothing would only confuse.
            return;
        }

        if (!_leadership.IsLeader)
        {
            if (_held.Count < MaxRemembered)
            {
                _held[objectEvent.DedupKey] = objectEvent;
            }

            return;
        }

        _queue.Writer.TryWrite(objectEvent);
    }

    /// <summary>Forget what was sent for an object, so a later problem with it is reported again.</summary>
    public void Forget(string apiVersion, string kind, string? @namespace, string name)
    {
        var prefix = $"{apiVersion}|{kind}|{@namespace}/{name}|";
        foreach (var key in _sent.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _sent.TryRemove(key, out _);
        }

        foreach (var key in _held.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _held.TryRemove(key, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var objectEvent in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (!_leadership.IsLeader)
                {
                    continue;
                }

                _held.TryRemove(objectEvent.DedupKey, out _);
                if (_sent.TryGetValue(objectEvent.DedupKey, out var recorded))
                {
                    await CountAgainAsync(objectEvent, recorded, stoppingToken);
                    continue;
                }

                if (_sent.Count >= MaxRemembered)
                {
                    _sent.Clear();
                }

                await CreateAsync(objectEvent, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CreateAsync(ObjectEvent e, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var ns = e.Namespace ?? "default";
        var body = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{e.Name}.{Guid.NewGuid().ToString("N")[..16]}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference { ApiVersion = e.ApiVersion, Kind = e.Kind, NamespaceProperty = e.Namespace, Name = e.Name, Uid = e.Uid },
            Type = "Warning",
            Reason = e.Reason,
            Message = e.Message,
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = _leadership.Identity,
        };
        try
        {
            await _client.CoreV1.CreateNamespacedEventAsync(body, ns, cancellationToken: cancellationToken);
            _sent[e.DedupKey] = new RecordedEvent(body.Metadata.Name, ns, 1);
            Interlocked.Increment(ref _recorded);
            LogRecorded(e.Kind, ns, e.Name, e.Reason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Events are best effort; the next occurrence tries again.
            LogFailed(e.Kind, ns, e.Name, ex.Message);
        }
    }

    private async Task CountAgainAsync(ObjectEvent e, RecordedEvent recorded, CancellationToken cancellationToken)
    {
        var count = recorded.Count + 1;
        var now = _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var patch = new V1Patch($$"""{"count":{{count}},"lastTimestamp":"{{now}}"}""", V1Patch.PatchType.MergePatch);
        try
        {
            await _client.CoreV1.PatchNamespacedEventAsync(patch, recorded.Name, recorded.Namespace, cancellationToken: cancellationToken);
            _sent[e.DedupKey] = recorded with { Count = count };
            Interlocked.Increment(ref _updated);
            LogCounted(e.Kind, recorded.Namespace, e.Name, e.Reason, count);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // The Event expired (the API server keeps them for an hour by default): record it afresh.
            _sent.TryRemove(e.DedupKey, out _);
            await CreateAsync(e, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(e.Kind, recorded.Namespace, e.Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recorded Warning Event on {Kind} {Namespace}/{Name}: {Reason}")]
    private partial void LogRecorded(string kind, string @namespace, string name, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Counted Warning Event on {Kind} {Namespace}/{Name} again: {Reason} (count {Count})")]
    private partial void LogCounted(string kind, string @namespace, string name, string reason, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record an Event on {Kind} {Namespace}/{Name}: {Problem}")]
    private partial void LogFailed(string kind, string @namespace, string name, string problem);
}

/// <summary>An Event this replica created: where it is, and how many occurrences it counts.</summary>
internal sealed record RecordedEvent(string Name, string Namespace, int Count);
