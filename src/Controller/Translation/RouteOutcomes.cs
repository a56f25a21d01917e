using Sockway.Controller.Api.V1Alpha1;

namespace Sockway.Controller.Translation;

/// <summary>The condition sets a route ends up with, the same whichever front-end it came from.</summary>
internal static class RouteOutcomes
{
    public static RouteOutcome Rejected(RouteKey key, long? generation, string reason, string message) => new(key, generation,
    [
        new RouteCondition(RouteConditions.Accepted, false, reason, message),
        new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
        new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
    ], 0);

    public static RouteOutcome Accepted(RouteKey key, long? generation, RouteCondition? refsFailure, int readyEndpoints, IReadOnlyList<string> notes)
    {
        var warnings = notes.Count == 0 ? string.Empty : "; warning: " + string.Join("; ", notes);
        var ready = refsFailure is not null
            ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.UnresolvedRefs, refsFailure.Message)
            : readyEndpoints == 0
                ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NoReadyEndpoints, "the backend has no ready endpoints; requests get 503" + warnings)
                : new RouteCondition(RouteConditions.Ready, true, RouteConditions.Reasons.Ready, $"{readyEndpoints} ready endpoint(s){warnings}");
        return new RouteOutcome(key, generation,
        [
            new RouteCondition(RouteConditions.Accepted, true, RouteConditions.Reasons.Accepted, "route accepted"),
            refsFailure ?? new RouteCondition(RouteConditions.ResolvedRefs, true, RouteConditions.Reasons.ResolvedRefs, "backend Service and port resolved"),
            ready,
        ], readyEndpoints);
    }
}
