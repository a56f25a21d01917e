using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Status;

/// <summary>
/// Which conditions of a route turned False since its last outcome (or changed reason or message while False): each
/// such turn is one Warning Event. Conditions False only as a consequence of another (NotAccepted, UnresolvedRefs)
/// repeat that one's cause and are left out. Pure and single-threaded (the status loop owns it).
/// </summary>
public sealed class FalseConditionTracker
{
    private readonly Dictionary<RouteKey, HashSet<string>> _false = [];

    public IReadOnlyCollection<RouteKey> Tracked => _false.Keys;

    public IReadOnlyList<RouteCondition> TurnedFalse(RouteOutcome outcome)
    {
        var now = outcome.Conditions
            .Where(c => !c.Status && c.Reason is not (RouteConditions.Reasons.NotAccepted or RouteConditions.Reasons.UnresolvedRefs))
            .ToList();
        var before = _false.GetValueOrDefault(outcome.Key);
        var turned = now.Where(c => before?.Contains(Key(c)) != true).ToList();
        if (now.Count == 0)
        {
            _false.Remove(outcome.Key);
        }
        else
        {
            _false[outcome.Key] = now.Select(Key).ToHashSet(StringComparer.Ordinal);
        }

        return turned;
    }

    /// <summary>The route is gone (or left the class): its history goes too.</summary>
    public void Forget(RouteKey key) => _false.Remove(key);

    private static string Key(RouteCondition c) => $"{c.Type}|{c.Reason}|{c.Message}";
}
