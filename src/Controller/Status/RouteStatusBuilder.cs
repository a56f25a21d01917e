using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Status;

/// <summary>Turns a translation outcome into the status the API object should carry. Pure: the clock is passed in.</summary>
public static class RouteStatusBuilder
{
    /// <summary>
    /// The desired status. A condition whose status did not flip keeps the lastTransitionTime already on the
    /// object, so `kubectl describe` tells how long a route has really been Ready.
    /// </summary>
    public static WebSocketRouteStatus Build(RouteOutcome outcome, WebSocketRouteStatus? observed, DateTime now, IList<string>? hosts = null)
    {
        var conditions = outcome.Conditions.Select(c =>
        {
            var status = c.Status ? "True" : "False";
            var previous = observed?.Conditions?.FirstOrDefault(p => p.Type == c.Type);
            var since = previous is not null && previous.Status == status ? previous.LastTransitionTime : now;
            return new V1Condition
            {
                Type = c.Type,
                Status = status,
                Reason = c.Reason,
                Message = c.Message,
                LastTransitionTime = since,
                ObservedGeneration = outcome.ObservedGeneration,
            };
        }).ToList();
        return new WebSocketRouteStatus
        {
            ObservedGeneration = outcome.ObservedGeneration,
            Conditions = conditions,
            Endpoints = outcome.Endpoints,
            Hosts = hosts is { Count: > 0 } ? string.Join(',', hosts) : "*",
        };
    }

    /// <summary>Whether two statuses say the same thing (transition times aside, which <see cref="Build"/> carries over).</summary>
    public static bool SameAs(this WebSocketRouteStatus desired, WebSocketRouteStatus? observed)
    {
        if (observed is null || desired.ObservedGeneration != observed.ObservedGeneration || desired.Endpoints != observed.Endpoints || desired.Hosts != observed.Hosts)
        {
            return false;
        }

        var a = desired.Conditions ?? [];
        var b = observed.Conditions ?? [];
        return a.Count == b.Count && a.Zip(b).All(p =>
            p.First.Type == p.Second.Type && p.First.Status == p.Second.Status && p.First.Reason == p.Second.Reason
            && (p.First.Message ?? string.Empty) == (p.Second.Message ?? string.Empty) && p.First.ObservedGeneration == p.Second.ObservedGeneration);
    }
}
