using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Leadership;
using Sockway.Controller.Pipeline;
using Sockway.Controller.Sources.Kubernetes;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Status;

/// <summary>
/// Writes each route's status to the API server (merge patch on the status subresource) when this replica
/// leads, and only when it differs from what the object already shows. Each condition that turns False gets a
/// Warning Event (see <see cref="RecordFalseConditions"/>).
/// </summary>
public sealed partial class KubernetesStatusWriter : LeaderOnlyWriter
{
    private readonly IKubernetes _client;
    private readonly KubernetesSource _source;
    private readonly KubernetesEventRecorder _events;
    private readonly TimeProvider _clock;
    private readonly ILogger<KubernetesStatusWriter> _logger;
    // What we last wrote, and the route's resourceVersion then: until the watch shows our write, the cached
    // object still has the old status, and writing again would be a duplicate.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<RouteKey, (string? ResourceVersion, WebSocketRouteStatus Status)> _written = [];
    // client-go's QPS/burst: each patch takes a token; up to MaxInFlight patches wait on the API server at once.
    private readonly System.Threading.RateLimiting.RateLimiter _limiter;
    private readonly FalseConditionTracker _false = new();
    // Routes whose stale status we removed, at the resourceVersion they had then (until the watch shows the removal).
    private readonly Dictionary<RouteKey, string?> _cleared = [];
    private volatile IReadOnlyList<RouteOutcome> _outcomes = [];
    private long _writes;

    public KubernetesStatusWriter(IKubernetes client, ConfigPipeline pipeline, KubernetesSource source, LeadershipService leadership,
        KubernetesEventRecorder events, TimeProvider clock, Microsoft.Extensions.Options.IOptions<StatusWriteOptions> options, ILogger<KubernetesStatusWriter> logger)
        : base(leadership)
    {
        _limiter = options.Value.CreateLimiter();
        _client = client;
        _source = source;
        _events = events;
        _clock = clock;
        _logger = logger;
        pipeline.StatusesChanged += outcomes =>
        {
            _outcomes = outcomes;
            Signal();
        };
    }

    /// <summary>Status writes this replica made.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    protected override async Task<bool> WriteAllAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var outcomes = _outcomes;
        await Parallel.ForEachAsync(outcomes, new ParallelOptions { MaxDegreeOfParallelism = StatusWriteOptions.MaxInFlight, CancellationToken = cancellationToken },
            async (outcome, token) =>
            {
                if (Leadership.IsLeader && !await WriteAsync(outcome, token))
                {
                    Interlocked.Increment(ref failures);
                }
            });
        foreach (var outcome in Leadership.IsLeader ? outcomes : [])
        {
            RecordFalseConditions(outcome);
        }

        var failed = failures > 0 | !await ClearStaleAsync(outcomes, cancellationToken);
        Prune(outcomes);
        return !failed;
    }

    protected override void OnPassFailed(Exception exception) => LogWriteFailed("(all routes)", exception.Message);

    private async Task<bool> WriteAsync(RouteOutcome outcome, CancellationToken cancellationToken)
    {
        var route = _source.GetRoute(outcome.Key);
        // Gone, or newer than what was translated (a new translation is on its way): nothing to write now.
        if (route is null || (route.Metadata.Generation ?? 0) > (outcome.ObservedGeneration ?? 0))
        {
            return true;
        }

        // Whole seconds: the API server keeps lastTransitionTime at that resolution anyway.
        var now = _clock.GetUtcNow().UtcDateTime;
        var desired = RouteStatusBuilder.Build(outcome, route.Status, now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)), route.Spec?.Hosts);
        if (desired.SameAs(route.Status)
            || (_written.TryGetValue(outcome.Key, out var written) && written.ResourceVersion == route.Metadata.ResourceVersion && desired.SameAs(written.Status)))
        {
            return true;
        }

        var patch = new V1Patch(KubernetesJson.Serialize(new StatusPatch { Status = desired }), V1Patch.PatchType.MergePatch);
        try
        {
            using var token = await _limiter.AcquireAsync(1, cancellationToken);
            await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, WebSocketRoute.Group, WebSocketRoute.Version,
                outcome.Key.Namespace, WebSocketRoute.Plural, outcome.Key.Name, cancellationToken: cancellationToken);
            _written[outcome.Key] = (route.Metadata.ResourceVersion, desired);
            Interlocked.Increment(ref _writes);
            LogWritten(outcome.Key.ToString(), desired.ObservedGeneration ?? 0, desired.Endpoints ?? 0);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWriteFailed(outcome.Key.ToString(), ex.Message);
            return false;
        }
    }

    /// <summary>
    /// A route this installation does not serve (it moved to another route class) must not keep the Ready=True it
    /// was given here. Its status is removed when it lags the route's generation: nobody has judged the current spec,
    /// so the conditions on it are ours and stale. (A route another installation serves carries that one's current
    /// status, observedGeneration equal to its generation, and is left alone.)
    /// </summary>
    private async Task<bool> ClearStaleAsync(IReadOnlyList<RouteOutcome> outcomes, CancellationToken cancellationToken)
    {
        var served = outcomes.Select(o => o.Key).ToHashSet();
        var ok = true;
        foreach (var route in _source.AllRoutes())
        {
            var key = new RouteKey(string.IsNullOrEmpty(route.Metadata.NamespaceProperty) ? "default" : route.Metadata.NamespaceProperty, route.Metadata.Name);
            // Only a status this process wrote: another installation (another route class) may be about to write its own.
            if (served.Contains(key) || !_written.ContainsKey(key) || route.Status is null || (route.Status.ObservedGeneration ?? 0) >= (route.Metadata.Generation ?? 0)
                || (_cleared.TryGetValue(key, out var resourceVersion) && resourceVersion == route.Metadata.ResourceVersion))
            {
                continue;
            }

            try
            {
                using var token = await _limiter.AcquireAsync(1, cancellationToken);
                await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch("{\"status\":null}", V1Patch.PatchType.MergePatch),
                    WebSocketRoute.Group, WebSocketRoute.Version, key.Namespace, WebSocketRoute.Plural, key.Name, cancellationToken: cancellationToken);
                _cleared[key] = route.Metadata.ResourceVersion;
                Interlocked.Increment(ref _writes);
                LogCleared(key.ToString(), route.Metadata.Generation ?? 0);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWriteFailed(key.ToString(), ex.Message);
                ok = false;
            }
        }

        foreach (var key in _cleared.Keys.Where(served.Contains).ToList())
        {
            _cleared.Remove(key);
        }

        return ok;
    }

    /// <summary>A Warning Event for each condition that turned False (see <see cref="FalseConditionTracker"/>); a repeat counts on the same Event.</summary>
    private void RecordFalseConditions(RouteOutcome outcome)
    {
        var turned = _false.TurnedFalse(outcome);
        if (turned.Count == 0)
        {
            return;
        }

        // No uid means the route is already gone; the recorder drops such reports.
        var uid = _source.GetRoute(outcome.Key)?.Metadata.Uid;
        foreach (var condition in turned)
        {
            _events.Post(new ObjectEvent(WebSocketRoute.GroupVersion, WebSocketRoute.KindName, outcome.Key.Namespace, outcome.Key.Name, uid, condition.Reason, condition.Message));
        }
    }

    // Routes that were deleted (or left this class) need no memory of what was written for them.
    private void Prune(IReadOnlyList<RouteOutcome> outcomes)
    {
        var current = outcomes.Select(o => o.Key).ToHashSet();
        foreach (var key in _written.Keys.Where(k => !current.Contains(k)).ToList())
        {
            _written.TryRemove(key, out _);
        }

        foreach (var key in _false.Tracked.Where(k => !current.Contains(k)).ToList())
        {
            _false.Forget(key);
            _events.Forget(WebSocketRoute.GroupVersion, WebSocketRoute.KindName, key.Namespace, key.Name);
        }
    }

    private sealed class StatusPatch
    {
        [System.Text.Json.Serialization.JsonPropertyName("status")]
        public WebSocketRouteStatus? Status { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote status of {Route}: observedGeneration {Generation}, {Endpoints} endpoint(s)")]
    private partial void LogWritten(string route, long generation, int endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the stale status of {Route} (generation {Generation}): it is not in this installation's route class")]
    private partial void LogCleared(string route, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write status of {Route}, will retry: {Problem}")]
    private partial void LogWriteFailed(string route, string problem);
}
