using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.Routes;
using static Sockway.Controller.Translation.FrontEnds.HttpRoutes.GatewayApiConditions;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>
/// Gateway API (v1, standard channel): GatewayClasses with controllerName sockway.io/gateway-controller, their
/// Gateways, and the HTTPRoutes attached to them. Each served match of each rule becomes one route intent, its hosts
/// the route's hostnames intersected with the listeners it attached to; WebSocketPolicies attach settings. After the
/// core has de-conflicted the intents, <see cref="FrontEndOutput.Fold"/> writes their fate into the objects' statuses.
/// </summary>
internal sealed class GatewayApiFrontEnd : IRouteFrontEnd
{
    public const string Kind = HttpRoute.KindName;

    public static GatewayApiFrontEnd Instance { get; } = new();

    public int Rank => 1;

    public FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options)
    {
        // Without any Gateway API object there is nothing to fold either: no work, and no reason to defeat the
        // incremental core's "nothing changed" answer for clusters that do not use Gateway API.
        if (snapshot is { GatewayClasses.Count: 0, Gateways.Count: 0, HttpRoutes.Count: 0, WebSocketPolicies.Count: 0 })
        {
            return new FrontEndOutput([], []);
        }

        var index = new SnapshotIndex(snapshot);
        var grants = new ReferenceGrants(snapshot.ReferenceGrants);
        var classes = SnapshotIndex.Distinct(snapshot.GatewayClasses).Where(c => c.Spec?.ControllerName == GatewayApi.ControllerName).ToList();
        var classNames = classes.Where(c => c.Spec.ParametersRef is null).Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var gateways = SnapshotIndex.Distinct(snapshot.Gateways)
            .Where(g => g.Spec?.GatewayClassName is { } name && classNames.Contains(name))
            .Select(g => GatewayReader.Read(g, KeyOf(g), index, grants, options.Now))
            .ToDictionary(g => g.Key);
        var routes = SnapshotIndex.Distinct(snapshot.HttpRoutes).ToList();
        var policies = new PolicyResolver(snapshot.WebSocketPolicies, index, routes.Select(KeyOf).ToHashSet());

        var intents = new List<RouteIntent>();
        var plans = new List<(HttpRoute Route, RouteKey Key, List<(ParentReference Ref, List<RouteCondition> Conditions)> Parents, List<string> Ids)>();
        var attachedServices = new HashSet<(string, string)>();
        foreach (var route in routes)
        {
            var key = KeyOf(route);
            var rules = HttpRouteRules.Read(route, key, index, grants);
            var parents = new List<(ParentReference, List<RouteCondition>)>();
            var hosts = new List<string>();
            var anyHost = false;
            SecretRef? tls = null;
            foreach (var parentRef in route.Spec?.ParentRefs ?? [])
            {
                if (parentRef is null || !ParentAttachment.TryFind(parentRef, key, gateways, out var gateway))
                {
                    continue; // Not a Gateway of this installation: another controller's to report on.
                }

                var attachment = ParentAttachment.Attach(parentRef, key, rules, gateway!);
                parents.Add((Echo(parentRef, key), attachment.Conditions));
                if (!attachment.Accepted)
                {
                    continue;
                }

                anyHost |= attachment.Hosts is null;
                hosts.AddRange(attachment.Hosts ?? []);
                tls ??= attachment.Certificate;
            }

            var ids = new List<string>();
            if (parents.Any(p => p.Item2[0].Status))
            {
                var served = anyHost ? (IReadOnlyList<string>)[] : hosts.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
                foreach (var match in rules.Matches)
                {
                    var settings = policies.For(key, match.Backends) ?? RouteSettings.Default;
                    var intent = new RouteIntent
                    {
                        Id = $"httproute/{key}/{match.Rule}/{match.Match}",
                        Origin = new RouteOrigin(Kind, key, route.Metadata.CreationTimestamp, route.Metadata.Generation),
                        Hosts = served,
                        Path = match.Path,
                        PathType = match.PathType,
                        Headers = match.Headers,
                        Backends = match.Backends,
                        // A port declared kubernetes.io/ws takes WebSockets only: other requests are answered 426.
                        Settings = match.WebSocketOnly ? settings with { AllowPlainHttp = false } : settings,
                        Tls = tls,
                    };
                    intents.Add(intent);
                    ids.Add(intent.Id);
                    attachedServices.UnionWith(match.Backends.Select(b => (b.Namespace, b.ServiceName)));
                }
            }

            plans.Add((route, key, parents, ids));
        }

        var routeKeys = plans.Where(p => p.Parents.Count > 0).Select(p => p.Key).ToHashSet();
        return new FrontEndOutput(intents, [])
        {
            Fold = (outcomes, result) => result with
            {
                GatewayClasses = classes.Select(ClassOutcome).OrderBy(c => c.Name, StringComparer.Ordinal).ToList(),
                Gateways = gateways.Values.Select(g => g.ToOutcome()).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal).ToList(),
                HttpRoutes = plans.Where(p => p.Parents.Count > 0).Select(p => RouteOutcome(p.Route, p.Key, p.Parents, p.Ids, outcomes)).OrderBy(o => o.Key.ToString(), StringComparer.Ordinal).ToList(),
                Policies = policies.Outcomes(t => t.Kind == Kind ? routeKeys.Contains(new RouteKey(t.Namespace, t.Name)) : attachedServices.Contains((t.Namespace, t.Name))),
            },
        };
    }

    private static HttpRouteOutcome RouteOutcome(HttpRoute route, RouteKey key, List<(ParentReference Ref, List<RouteCondition> Conditions)> parents, List<string> ids,
        IReadOnlyList<IntentOutcome> outcomes)
    {
        var mine = outcomes.Where(o => ids.Contains(o.Intent.Id)).ToList();
        var conflicts = mine.Where(o => !o.Outcome.IsAccepted).Select(o => o.Outcome.Conditions[0].Message).ToList();
        return new HttpRouteOutcome(key, route.Metadata.Generation, parents.Select(p =>
        {
            var conditions = p.Conditions.ToList();
            if (conditions[0].Status && mine.Count > 0 && conflicts.Count == mine.Count)
            {
                conditions[0] = False(Accepted, Reasons.Conflicted, string.Join("; ", conflicts.Distinct()));
            }
            else if (conditions[0].Status && conflicts.Count > 0)
            {
                var partial = conditions.FindIndex(c => c.Type == PartiallyInvalid);
                var message = $"{conflicts.Count} of {mine.Count} match(es) not served: " + string.Join("; ", conflicts.Distinct());
                var condition = True(PartiallyInvalid, Reasons.Conflicted, partial < 0 ? message : conditions[partial].Message + "; " + message);
                if (partial < 0)
                {
                    conditions.Add(condition);
                }
                else
                {
                    conditions[partial] = condition;
                }
            }

            return new ParentOutcome(p.Ref, conditions);
        }).ToList());
    }

    private static GatewayClassOutcome ClassOutcome(GatewayClass gatewayClass) => new(gatewayClass.Metadata.Name, gatewayClass.Metadata.Generation,
    [
        gatewayClass.Spec.ParametersRef is { } parameters
            ? False(Accepted, Reasons.InvalidParameters, $"spec.parametersRef: Sockway's GatewayClass takes no parameters ({parameters.Kind} '{parameters.Name}'); remove it")
            : True(Accepted, Reasons.Accepted, $"served by {GatewayApi.ControllerName}"),
    ]);

    // The status entry names the parent as the route did, with the defaults the API server would fill in.
    private static ParentReference Echo(ParentReference parentRef, RouteKey route) => new()
    {
        Group = parentRef.Group ?? GatewayApi.Group,
        Kind = parentRef.Kind ?? GatewayResource.KindName,
        Namespace = parentRef.Namespace,
        Name = parentRef.Name,
        SectionName = parentRef.SectionName,
        Port = parentRef.Port,
    };

    private static RouteKey KeyOf(k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> o) => new(SnapshotIndex.NamespaceOf(o.Metadata), o.Metadata.Name);
}
