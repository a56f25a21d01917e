using Sockway.Controller.Api.GatewayV1;

namespace Sockway.Controller.Translation;

/// <summary>The status a GatewayClass this installation serves should have (its key's namespace is empty).</summary>
public sealed record GatewayClassOutcome(string Name, long? ObservedGeneration, IReadOnlyList<RouteCondition> Conditions);

/// <summary>The status of a Gateway of one of this installation's classes.</summary>
public sealed record GatewayOutcome(RouteKey Key, long? ObservedGeneration, IReadOnlyList<RouteCondition> Conditions, IReadOnlyList<ListenerOutcome> Listeners);

/// <summary>One listener's status: the kinds it takes, the routes attached to it, its conditions.</summary>
public sealed record ListenerOutcome(string Name, IReadOnlyList<string> SupportedKinds, int AttachedRoutes, IReadOnlyList<RouteCondition> Conditions);

/// <summary>The status of an HTTPRoute: one entry per parentRef that names a Gateway of this installation.</summary>
public sealed record HttpRouteOutcome(RouteKey Key, long? ObservedGeneration, IReadOnlyList<ParentOutcome> Parents);

/// <summary>A parent's entry, with the parentRef as the route wrote it (status entries are matched by it).</summary>
public sealed record ParentOutcome(ParentReference ParentRef, IReadOnlyList<RouteCondition> Conditions)
{
    public override string ToString() =>
        $"{ParentRef.Kind ?? GatewayResource.KindName} {(ParentRef.Namespace is { } ns ? ns + "/" : string.Empty)}{ParentRef.Name}{(ParentRef.SectionName is { } s ? "/" + s : string.Empty)}{(ParentRef.Port is { } p ? ":" + p : string.Empty)}";
}

/// <summary>The status of a WebSocketPolicy: one ancestor entry per target (the targeted object itself).</summary>
public sealed record PolicyOutcome(RouteKey Key, long? ObservedGeneration, IReadOnlyList<AncestorOutcome> Ancestors);

public sealed record AncestorOutcome(ParentReference AncestorRef, IReadOnlyList<RouteCondition> Conditions)
{
    public override string ToString() => $"{AncestorRef.Kind} {AncestorRef.Namespace}/{AncestorRef.Name}";
}
