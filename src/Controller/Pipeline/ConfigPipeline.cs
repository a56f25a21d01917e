using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Sources;
using Sockway.Controller.Status;
using Sockway.Controller.Translation;
using Sockway.Controller.Telemetry;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Telemetry;

namespace Sockway.Controller.Pipeline;

/// <summary>
/// Sources → Snapshot → Translator → Gateway: waits for a new snapshot, translates it (pure), pushes the result
/// into the gateway and records each route's status. A failure here never replaces the config being served.
/// </summary>
public sealed partial class ConfigPipeline : BackgroundService
{
    private readonly SnapshotPublisher _publisher;
    private readonly GatewayConfigStore _gateway;
    private readonly RouteStatusTable _statuses;
    private readonly PipelineOptions _options;
    private readonly ControllerMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<ConfigPipeline> _logger;
    // Remembers the last translation, so a change costs what it touches (see IncrementalTranslator).
    private readonly IncrementalTranslator _translator = new();
    private TranslationResult? _applied;

    public ConfigPipeline(SnapshotPublisher publisher, GatewayConfigStore gateway, RouteStatusTable statuses, IOptions<PipelineOptions> options,
        ControllerMetrics metrics, TimeProvider clock, ILogger<ConfigPipeline> logger)
    {
        _clock = clock;
        _metrics = metrics;
        _publisher = publisher;
        _gateway = gateway;
        _statuses = statuses;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Raised after each apply with the statuses it produced (the Kubernetes status writer listens).</summary>
    public event Action<IReadOnlyList<RouteOutcome>>? StatusesChanged;

    /// <summary>Raised after each apply with every served Ingress's outcome (the Kubernetes Ingress status writer listens).</summary>
    public event Action<IReadOnlyList<Translation.Ingresses.IngressOutcome>>? IngressStatusesChanged;
    /// <summary>Raised after each apply with the whole translation (the Gateway API status writer reads its outcome lists).</summary>
    public event Action<TranslationResult>? Translated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _publisher.WaitAsync(stoppingToken);
                // Let a burst settle: fifty endpoint changes in a rollout become one apply, not fifty.
                await Task.Delay(_options.CoalesceWindow, stoppingToken);
                var snapshot = _publisher.Latest;
                if (snapshot is not null)
                {
                    await ApplyAsync(snapshot, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _metrics.ApplyFailed();
                LogApplyFailed(ex);
            }
        }
    }

    private async Task ApplyAsync(Snapshots.ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        using var activity = GatewayTelemetry.ActivitySource.StartActivity("config.apply");
        var started = Stopwatch.GetTimestamp();
        var publishedAt = _publisher.PublishedAt;
        var result = _translator.Translate(snapshot, new TranslationOptions(_options.RouteClassName, _clock.GetUtcNow()));
        if (ReferenceEquals(result, _applied))
        {
            // Nothing any route uses changed (an unreferenced Service, slice or Secret): no reload, no status, no log.
            return;
        }

        var rejected = await _gateway.ApplyAsync(result.Config, cancellationToken);
        var outcomes = rejected.Count == 0 ? result.Routes : result.Routes.Select(o => MarkRejected(o, rejected)).ToList();
        _statuses.Update(outcomes);
        _statuses.UpdateIngresses(result.Ingresses);
        StatusesChanged?.Invoke(outcomes);
        _applied = result;
        IngressStatusesChanged?.Invoke(result.Ingresses);
        Translated?.Invoke(result);
        _metrics.Applied(Stopwatch.GetElapsedTime(started), publishedAt);
        activity?.SetTag("sockway.routes", result.Config.Routes.Count);
        activity?.SetTag("sockway.rejected", rejected.Count);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            // Distinct backends: two routes to one Service share its endpoints. (O(all endpoints): only when logged.)
            var endpoints = result.Config.Routes.SelectMany(r => r.Endpoints.Where(e => e.Ready).Select(e => e.Key)).Distinct(StringComparer.Ordinal).Count();
            LogApplied(result.Config.Routes.Count - rejected.Count, outcomes.Count(o => !o.IsAccepted) + rejected.Count, endpoints, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static RouteOutcome MarkRejected(RouteOutcome outcome, IReadOnlyDictionary<string, string> rejected)
    {
        if (!rejected.TryGetValue(outcome.Key.ToString(), out var reason))
        {
            return outcome;
        }

        return outcome with
        {
            Conditions = outcome.Conditions
                .Select(c => c.Type == RouteConditions.Accepted ? new RouteCondition(RouteConditions.Accepted, false, RouteConditions.Reasons.Invalid, reason) : c)
                .Select(c => c.Type == RouteConditions.Ready ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NotAccepted, "route not accepted") : c)
                .ToList(),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Config applied: {Routes} route(s) serving, {Rejected} rejected, {Endpoints} ready endpoint(s), in {ElapsedMs:F1} ms")]
    private partial void LogApplied(int routes, int rejected, int endpoints, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Config apply failed; the previous config keeps serving")]
    private partial void LogApplyFailed(Exception exception);
}

public sealed class PipelineOptions
{
    public const string Section = "Sockway";

    /// <summary>Only routes of this class (or unclassed ones, for the default class) are served.</summary>
    [System.ComponentModel.DataAnnotations.Required]
    [System.ComponentModel.DataAnnotations.RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public string RouteClassName { get; set; } = TranslationOptions.DefaultRouteClass;

    /// <summary>How long to wait after a change for more changes before applying.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMilliseconds(50);
}
