using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Status;
using Sockway.Controller.Translation;
using Xunit;

namespace Sockway.Tests.Status;

/// <summary>One Warning Event per turn of a condition to False: not one per translation, and none for consequences of another condition.</summary>
public sealed class FalseConditionTrackerTests
{
    private static readonly RouteKey Chat = new("shop", "chat");

    private static readonly RouteCondition[] Pool =
    [
        new(RouteConditions.Accepted, true, RouteConditions.Reasons.Accepted, "accepted"),
        new(RouteConditions.Accepted, false, RouteConditions.Reasons.Invalid, "spec.path: must start with '/'"),
        new(RouteConditions.Accepted, false, RouteConditions.Reasons.Conflicted, "shop/other holds the path"),
        new(RouteConditions.ResolvedRefs, true, RouteConditions.Reasons.ResolvedRefs, "resolved"),
        new(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.BackendNotFound, "Service shop/echo not found"),
        new(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.PortNotFound, "Service shop/echo has no port grpc"),
        new(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.SecretNotFound, "Secret shop/tls not found"),
        new(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
        new(RouteConditions.Ready, true, RouteConditions.Reasons.Ready, "1 ready endpoint"),
        new(RouteConditions.Ready, false, RouteConditions.Reasons.NoReadyEndpoints, "no ready endpoints"),
        new(RouteConditions.Ready, false, RouteConditions.Reasons.UnresolvedRefs, "Service shop/echo not found"),
        new(RouteConditions.Ready, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
    ];

    [Fact]
    public void Persisting_False_IsReportedOnce_AndAgainOnlyAfterItCleared()
    {
        var tracker = new FalseConditionTracker();
        var missing = Outcome(Pool[0], Pool[4], Pool[10]);
        var fine = Outcome(Pool[0], Pool[3], Pool[8]);

        Assert.Equal([RouteConditions.Reasons.BackendNotFound], tracker.TurnedFalse(missing).Select(c => c.Reason));
        Assert.Empty(tracker.TurnedFalse(missing));
        Assert.Empty(tracker.TurnedFalse(fine));
        Assert.Single(tracker.TurnedFalse(missing));
        tracker.Forget(Chat);
        Assert.Single(tracker.TurnedFalse(missing));
    }

    [Fact]
    public void Random_sequences_ReportExactlyTheTurnsToFalse_AndNeverAConsequence()
    {
        var random = new Random(1312);
        for (var run = 0; run < 500; run++)
        {
            var tracker = new FalseConditionTracker();
            HashSet<RouteCondition> previous = [];
            for (var step = 0; step < 30; step++)
            {
                var outcome = Outcome(Pool.GroupBy(c => c.Type).Select(g => g.ElementAt(random.Next(g.Count()))).ToArray());
                var current = outcome.Conditions.Where(c => !c.Status && c.Reason is not (RouteConditions.Reasons.NotAccepted or RouteConditions.Reasons.UnresolvedRefs)).ToHashSet();

                var reported = tracker.TurnedFalse(outcome);

                Assert.Equal(current.Except(previous).OrderBy(c => c.Type), reported.OrderBy(c => c.Type));
                previous = current;
            }
        }
    }

    private static RouteOutcome Outcome(params RouteCondition[] conditions) => new(Chat, 1, conditions, 0);
}
