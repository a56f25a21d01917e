using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Translation.Routes;
using static Sockway.Controller.Translation.FrontEnds.HttpRoutes.GatewayApiConditions;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>How an HTTPRoute attaches to one parent Gateway: the listeners that take it, and its conditions there.</summary>
internal sealed record Attachment(bool Accepted, List<RouteCondition> Conditions, IReadOnlyList<string>? Hosts, SecretRef? Certificate);

internal static class ParentAttachment
{
    public static bool TryFind(ParentReference parentRef, RouteKey route, Dictionary<RouteKey, ServedGateway> gateways, out ServedGateway? gateway)
    {
        gateway = null;
        return (parentRef.Group ?? GatewayApi.Group) == GatewayApi.Group
            && (parentRef.Kind ?? GatewayResource.KindName) == GatewayResource.KindName
            && parentRef.Name is { Length: > 0 } name
            && gateways.TryGetValue(new RouteKey(parentRef.Namespace ?? route.Namespace, name), out gateway);
    }

    /// <summary>
    /// The spec's order of judgement: the named section/port exists, a listener allows the route's namespace and kind,
    /// a hostname intersects, the rules hold something servable. Each listener that takes the route counts it.
    /// </summary>
    public static Attachment Attach(ParentReference parentRef, RouteKey route, RouteRules rules, ServedGateway gateway)
    {
        var refs = rules.ResolvedRefs;
        var named = gateway.Listeners
            .Where(l => parentRef.SectionName is null || l.Name == parentRef.SectionName)
            .Where(l => parentRef.Port is null || l.Port == parentRef.Port)
            .ToList();
        if (gateway.Refusal is not null || named.Count == 0)
        {
            var why = gateway.Refusal is { } refusal ? $"Gateway {gateway.Key} is not accepted: {refusal.Message}" : $"Gateway {gateway.Key} has no listener{Section(parentRef)}";
            return Refused(Reasons.NoMatchingParent, why, refs);
        }

        var usable = named.Where(l => l.Usable).ToList();
        if (usable.Count == 0)
        {
            return Refused(Reasons.NoMatchingParent, $"no listener{Section(parentRef)} of Gateway {gateway.Key} is valid", refs);
        }

        var allowing = usable.Where(l => l.AllowsHttpRoute && Allows(l, gateway.Key, route)).ToList();
        if (allowing.Count == 0)
        {
            var selector = usable.Any(l => l.From == "Selector") ? " (allowedRoutes.namespaces.from: Selector is not served yet)" : string.Empty;
            return Refused(Reasons.NotAllowedByListeners, $"no listener{Section(parentRef)} of Gateway {gateway.Key} allows HTTPRoutes from namespace {route.Namespace}{selector}", refs);
        }

        if (rules.Invalid is { } invalid)
        {
            return Refused(Reasons.UnsupportedValue, invalid, refs);
        }

        var taking = allowing.Select(l => (Listener: l, Hosts: Hostnames.Intersect(rules.Hostnames, l.Hostname))).Where(x => x.Hosts is null || x.Hosts.Count > 0).ToList();
        if (taking.Count == 0)
        {
            return Refused(Reasons.NoMatchingListenerHostname, $"none of the route's hostnames ({string.Join(", ", rules.Hostnames)}) matches a listener{Section(parentRef)} of Gateway {gateway.Key}", refs);
        }

        if (rules.Matches.Count == 0)
        {
            return Refused(Reasons.UnsupportedValue, "no rule can be served: " + string.Join("; ", rules.Dropped), refs);
        }

        foreach (var (listener, _) in taking)
        {
            listener.AttachedRoutes++;
        }

        var conditions = new List<RouteCondition> { True(Accepted, Reasons.Accepted, $"attached to {taking.Count} listener(s) of Gateway {gateway.Key}"), refs };
        if (rules.Dropped.Count > 0)
        {
            conditions.Add(True(PartiallyInvalid, Reasons.UnsupportedValue, "rules not served: " + string.Join("; ", rules.Dropped)));
        }

        var hosts = taking.Any(t => t.Hosts is null) ? null : taking.SelectMany(t => t.Hosts!).ToList();
        var certificate = taking.Select(t => t.Listener).Where(l => l.Protocol == "HTTPS").Select(l => l.Certificate).FirstOrDefault(c => c is not null);
        return new Attachment(true, conditions, hosts, certificate);
    }

    private static bool Allows(ServedListener listener, RouteKey gateway, RouteKey route) => listener.From switch
    {
        "All" => true,
        "Same" => route.Namespace == gateway.Namespace,
        _ => false,
    };

    private static string Section(ParentReference parentRef) =>
        (parentRef.SectionName is { } s ? $" named '{s}'" : string.Empty) + (parentRef.Port is { } p ? $" on port {p}" : string.Empty);

    private static Attachment Refused(string reason, string message, RouteCondition refs) => new(false, [False(Accepted, reason, message), refs], null, null);
}
