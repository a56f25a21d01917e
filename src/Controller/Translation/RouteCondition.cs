namespace Sockway.Controller.Translation;

/// <summary>A status condition as the translator decides it; timestamps are added by whoever writes status.</summary>
public sealed record RouteCondition(string Type, bool Status, string Reason, string Message);

/// <summary>Identifies a route across sources: namespace and name.</summary>
public readonly record struct RouteKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>The status one route should have after a translation.</summary>
public sealed record RouteOutcome(RouteKey Key, long? ObservedGeneration, IReadOnlyList<RouteCondition> Conditions, int Endpoints)
{
    public bool IsAccepted => Conditions.Any(c => c.Type == Api.V1Alpha1.RouteConditions.Accepted && c.Status);

    public RouteCondition? Find(string type) => Conditions.FirstOrDefault(c => c.Type == type);
}
