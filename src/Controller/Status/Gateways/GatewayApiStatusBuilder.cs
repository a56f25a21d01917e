using k8s.Models;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Status.Gateways;

/// <summary>
/// Gateway API status objects from the translator's outcomes. A condition keeps its lastTransitionTime while its
/// status stays the same; entries other controllers wrote (HTTPRoute parents, policy ancestors) are kept as they are.
/// </summary>
internal static class GatewayApiStatusBuilder
{
    // The CRDs' limits: a longer message or list is refused by the API server.
    private const int MaxMessage = 32768;
    private const int MaxParents = 32;
    private const int MaxAncestors = 16;

    public static GatewayClassStatus Class(GatewayClassOutcome outcome, GatewayClassStatus? current, DateTime now) =>
        new() { Conditions = Conditions(outcome.Conditions, current?.Conditions, outcome.ObservedGeneration, now) };

    public static GatewayStatus Gateway(GatewayOutcome outcome, GatewayStatus? current, DateTime now) => new()
    {
        Conditions = Conditions(outcome.Conditions, current?.Conditions, outcome.ObservedGeneration, now),
        Listeners = outcome.Listeners.Take(64).Select(l => new ListenerStatus
        {
            Name = l.Name,
            AttachedRoutes = l.AttachedRoutes,
            SupportedKinds = l.SupportedKinds.Select(k => new RouteGroupKind { Group = GatewayApi.Group, Kind = k }).ToList(),
            Conditions = Conditions(l.Conditions, current?.Listeners?.FirstOrDefault(c => c?.Name == l.Name)?.Conditions, outcome.ObservedGeneration, now),
        }).ToList(),
    };

    /// <summary>Ours replaced (or removed, when <paramref name="outcome"/> is null), the other controllers' kept.</summary>
    public static HttpRouteStatus Route(HttpRouteOutcome? outcome, HttpRouteStatus? current, DateTime now)
    {
        var others = (current?.Parents ?? []).Where(p => p is not null && p.ControllerName != GatewayApi.ControllerName).ToList();
        var ours = (outcome?.Parents ?? []).Select(p => new RouteParentStatus
        {
            ParentRef = p.ParentRef,
            ControllerName = GatewayApi.ControllerName,
            Conditions = Conditions(p.Conditions, Ours(current?.Parents?.Where(c => c is not null).Select(c => (c.ControllerName, c.ParentRef, c.Conditions)), p.ParentRef),
                outcome!.ObservedGeneration, now),
        });
        return new HttpRouteStatus { Parents = others.Concat(ours).Take(MaxParents).ToList() };
    }

    public static PolicyStatus Policy(PolicyOutcome? outcome, PolicyStatus? current, DateTime now)
    {
        var others = (current?.Ancestors ?? []).Where(a => a is not null && a.ControllerName != GatewayApi.ControllerName).ToList();
        var ours = (outcome?.Ancestors ?? []).Select(a => new PolicyAncestorStatus
        {
            AncestorRef = a.AncestorRef,
            ControllerName = GatewayApi.ControllerName,
            Conditions = Conditions(a.Conditions, Ours(current?.Ancestors?.Where(c => c is not null).Select(c => (c.ControllerName, c.AncestorRef, c.Conditions)), a.AncestorRef),
                outcome!.ObservedGeneration, now),
        });
        return new PolicyStatus { Ancestors = others.Concat(ours).Take(MaxAncestors).ToList() };
    }

    private static IList<V1Condition>? Ours(IEnumerable<(string? Controller, ParentReference Ref, IList<V1Condition>? Conditions)>? entries, ParentReference parent) =>
        entries?.FirstOrDefault(e => e.Controller == GatewayApi.ControllerName && Same(e.Ref, parent)).Conditions;

    private static bool Same(ParentReference? a, ParentReference b) =>
        a is not null && a.Name == b.Name && a.Namespace == b.Namespace && a.SectionName == b.SectionName && a.Port == b.Port
        && (a.Kind ?? GatewayResource.KindName) == (b.Kind ?? GatewayResource.KindName) && (a.Group ?? GatewayApi.Group) == (b.Group ?? GatewayApi.Group);

    private static List<V1Condition> Conditions(IReadOnlyList<RouteCondition> conditions, IList<V1Condition>? current, long? generation, DateTime now) =>
        conditions.Take(8).Select(c =>
        {
            var status = c.Status ? "True" : "False";
            var previous = current?.FirstOrDefault(p => p?.Type == c.Type);
            return new V1Condition
            {
                Type = c.Type,
                Status = status,
                Reason = c.Reason,
                Message = c.Message.Length > MaxMessage ? c.Message[..(MaxMessage - 1)] + "…" : c.Message,
                ObservedGeneration = generation,
                LastTransitionTime = previous?.Status == status && previous.LastTransitionTime is { } since ? since : now,
            };
        }).ToList();
}
