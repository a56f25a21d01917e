using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Sources.Kubernetes;
using Sockway.Controller.Status;
using Sockway.Gateway.Telemetry;

namespace Sockway.Controller.Telemetry;

/// <summary>
/// The control plane's metrics: config applies (count, duration, failures, last success, sync lag), routes by
/// readiness, and — in Kubernetes mode — the health of each watch (labels: watch = the resource's plural, e.g.
/// "endpointslices"; namespace = the watched namespace, empty for all).
/// </summary>
public sealed class ControllerMetrics
{
    private readonly Counter<long> _applies;
    private readonly Histogram<double> _applyDuration;
    private readonly Histogram<double> _syncLag;
    private readonly IServiceProvider _services;
    private long _lastSuccessUnixMs;

    public ControllerMetrics(IMeterFactory meters, IServiceProvider services, Microsoft.Extensions.Options.IOptions<TelemetryOptions> options)
    {
        _services = services;
        var meter = meters.Create(options.Value.MeterName);
        _applies = meter.CreateCounter<long>("sockway.config.applies", "{apply}", "Config applies by result.");
        _applyDuration = meter.CreateHistogram<double>("sockway.config.apply.duration", "s", "Time to translate and apply a config.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
        _syncLag = meter.CreateHistogram<double>("sockway.config.sync.lag", "s", "Time from a change seen by the source to it being served.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        meter.CreateObservableGauge("sockway.config.last_success_timestamp", () => Volatile.Read(ref _lastSuccessUnixMs) / 1000.0, "s",
            "Unix time of the last successful config apply (0 before the first).");
        meter.CreateObservableGauge("sockway.routes", ObserveRoutes, "{route}", "Routes by state (ready, not_ready, rejected).");
        meter.CreateObservableCounter("sockway.controller.watch.reconnects", () => ObserveWatches(i => i.Reconnects), "{reconnect}", "Watch attempts after the first: server-closed watches, and every retry after a failure (before the first sync too).");
        meter.CreateObservableCounter("sockway.controller.watch.relists", () => ObserveWatches(i => i.Relists), "{relist}", "Full re-lists (expired resourceVersion, 410 Gone).");
        meter.CreateObservableCounter("sockway.controller.watch.malformed_objects", () => ObserveWatches(i => i.MalformedObjects), "{object}", "Objects skipped because they could not be read.");
        meter.CreateObservableGauge("sockway.controller.manifest.errors", () => _services.GetService<DirectorySource>()?.CurrentErrors.Count ?? 0, "{error}",
            "Standalone mode: manifest problems now (parse errors, duplicates, an unreadable directory); each is in the log and /api/routes.");
        meter.CreateObservableCounter("sockway.controller.source.scan_failures", () => _services.GetService<DirectorySource>()?.ScanFailures ?? 0, "{scan}",
            "Standalone mode: scans of the routes directory that failed (missing or unreadable); the last good config kept serving.");
        meter.CreateObservableGauge("sockway.controller.watch.synced", () => ObserveWatches(i => i.HasSynced && i.ConsecutiveFailures == 0 ? 1 : 0), "1",
            "1 while the watch is connected and synced, 0 while it is failing or not yet listed.");
    }

    public void Applied(TimeSpan duration, long publishedAt)
    {
        _applies.Add(1, new KeyValuePair<string, object?>("result", "success"));
        _applyDuration.Record(duration.TotalSeconds);
        _syncLag.Record(Stopwatch.GetElapsedTime(publishedAt).TotalSeconds);
        Volatile.Write(ref _lastSuccessUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    public void ApplyFailed() => _applies.Add(1, new KeyValuePair<string, object?>("result", "failure"));

    private IEnumerable<Measurement<int>> ObserveRoutes()
    {
        var routes = _services.GetRequiredService<RouteStatusTable>().All;
        var ready = routes.Count(r => r.IsAccepted && r.Find(Api.V1Alpha1.RouteConditions.Ready)?.Status == true);
        var rejected = routes.Count(r => !r.IsAccepted);
        yield return new(ready, new KeyValuePair<string, object?>("state", "ready"));
        yield return new(routes.Count - ready - rejected, new KeyValuePair<string, object?>("state", "not_ready"));
        yield return new(rejected, new KeyValuePair<string, object?>("state", "rejected"));
    }

    private IEnumerable<Measurement<long>> ObserveWatches(Func<IInformer, long> read) =>
        (_services.GetService<KubernetesSource>()?.Informers ?? [])
            .Select(i => new Measurement<long>(read(i), new KeyValuePair<string, object?>("watch", i.Resource), new KeyValuePair<string, object?>("namespace", i.Namespace ?? string.Empty)));
}
