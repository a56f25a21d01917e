using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Status;

/// <summary>
/// The latest status of every route, as decided by the last translation. Standalone mode has no API server to
/// write status to, so this table (served on the management port) and the log are where users read it.
/// </summary>
public sealed partial class RouteStatusTable
{
    private readonly ILogger<RouteStatusTable> _logger;
    private volatile FrozenDictionary<RouteKey, RouteOutcome> _outcomes = FrozenDictionary<RouteKey, RouteOutcome>.Empty;

    public RouteStatusTable(ILogger<RouteStatusTable> logger) => _logger = logger;

    public IReadOnlyCollection<RouteOutcome> All => _outcomes.Values;

    public RouteOutcome? Get(RouteKey key) => _outcomes.TryGetValue(key, out var outcome) ? outcome : null;

    /// <summary>Replaces the table; logs each route whose conditions changed.</summary>
    public void Update(IReadOnlyList<RouteOutcome> outcomes)
    {
        var previous = _outcomes;
        foreach (var outcome in outcomes)
        {
            if (previous.TryGetValue(outcome.Key, out var before) && before.Conditions.SequenceEqual(outcome.Conditions) && before.Endpoints == outcome.Endpoints)
            {
                continue;
            }

            foreach (var condition in outcome.Conditions)
            {
                if (condition.Status)
                {
                    LogCondition(outcome.Key.ToString(), condition.Type, condition.Status, condition.Reason, condition.Message);
                }
                else
                {
                    LogFalseCondition(outcome.Key.ToString(), condition.Type, condition.Status, condition.Reason, condition.Message);
                }
            }
        }

        // The first outcome per route wins: a duplicate must never fail an apply.
        _outcomes = outcomes.DistinctBy(o => o.Key).ToFrozenDictionary(o => o.Key);
    }

    /// <summary>The latest outcome of every Ingress Sockway serves (its paths folded, its annotations reported).</summary>
    public IReadOnlyList<Translation.Ingresses.IngressOutcome> Ingresses => _ingresses;

    private volatile IReadOnlyList<Translation.Ingresses.IngressOutcome> _ingresses = [];

    /// <summary>Replaces the Ingress outcomes; logs each Ingress whose conditions or annotation report changed.</summary>
    public void UpdateIngresses(IReadOnlyList<Translation.Ingresses.IngressOutcome> outcomes)
    {
        var previous = _ingresses.DistinctBy(o => o.Key).ToDictionary(o => o.Key);
        foreach (var outcome in outcomes)
        {
            if (previous.TryGetValue(outcome.Key, out var before) && before.Conditions.SequenceEqual(outcome.Conditions) && before.Annotations.SequenceEqual(outcome.Annotations))
            {
                continue;
            }

            foreach (var condition in outcome.Conditions.Where(c => !c.Status))
            {
                LogFalseCondition("Ingress " + outcome.Key, condition.Type, condition.Status, condition.Reason, condition.Message);
            }

            foreach (var dropped in outcome.Dropped)
            {
                LogDroppedAnnotation(outcome.Key.ToString(), dropped.Annotation, dropped.Detail);
            }
        }

        _ingresses = outcomes;
    }

    [LoggerMessage(Level = LogLevel.Warning, EventId = 40, Message = "Ingress {Ingress}: annotation {Annotation} {Detail}")]
    private partial void LogDroppedAnnotation(string ingress, string annotation, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Route {Route}: {Type}={Status} ({Reason}) {Message}")]
    private partial void LogCondition(string route, string type, bool status, string reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Route {Route}: {Type}={Status} ({Reason}) {Message}")]
    private partial void LogFalseCondition(string route, string type, bool status, string reason, string message);
}
