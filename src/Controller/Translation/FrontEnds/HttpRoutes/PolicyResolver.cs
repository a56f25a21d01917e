using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation.Routes;
using static Sockway.Controller.Translation.FrontEnds.HttpRoutes.GatewayApiConditions;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>
/// WebSocketPolicies by target. A target has at most one policy: the oldest (then by name) wins and the others are
/// Conflicted on it. Its settings are a WebSocketRoute's (validated the same way); a policy with any invalid setting
/// applies to none of its targets.
/// </summary>
internal sealed class PolicyResolver
{
    private readonly Dictionary<(string Kind, string Namespace, string Name), RouteSettings> _winners = [];
    private readonly List<(WebSocketPolicy Policy, RouteKey Key, List<(ParentReference Ref, RouteCondition Accepted, (string, string, string)? Target)> Targets)> _all = [];

    public PolicyResolver(IEnumerable<WebSocketPolicy> policies, SnapshotIndex index, IReadOnlySet<RouteKey> httpRoutes)
    {
        var ordered = SnapshotIndex.Distinct(policies)
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(p => SnapshotIndex.NamespaceOf(p.Metadata), StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal);
        var owners = new Dictionary<(string, string, string), RouteKey>();
        foreach (var policy in ordered)
        {
            var key = new RouteKey(SnapshotIndex.NamespaceOf(policy.Metadata), policy.Metadata.Name);
            var spec = policy.Spec ?? new WebSocketPolicySpec();
            var errors = new List<string>();
            var settings = RouteValidator.ValidateSettings(spec.Balancing, spec.Timeouts, spec.Limits, spec.AllowedOrigins, spec.Keepalive, errors);
            var targets = new List<(ParentReference, RouteCondition, (string, string, string)?)>();
            var refs = spec.TargetRefs ?? [];
            if (refs.Count == 0)
            {
                errors.Add("spec.targetRefs: at least one target is required");
            }

            for (var i = 0; i < refs.Count; i++)
            {
                var target = refs[i];
                var ancestor = new ParentReference { Group = target?.Group ?? string.Empty, Kind = target?.Kind, Name = target?.Name, Namespace = key.Namespace };
                var field = $"spec.targetRefs[{i}]";
                (string, string, string)? id = null;
                RouteCondition accepted;
                if (errors.Count > 0)
                {
                    accepted = False(Accepted, Reasons.Invalid, string.Join("; ", errors));
                }
                else if (target is null || string.IsNullOrEmpty(target.Name) || !IsRoute(target) && !IsService(target))
                {
                    accepted = False(Accepted, Reasons.Invalid, $"{field}: '{target?.Group}/{target?.Kind}' is not a target Sockway reads (HTTPRoute of {GatewayApi.Group}, or a core Service)");
                }
                else if (IsRoute(target) ? !httpRoutes.Contains(new RouteKey(key.Namespace, target.Name)) : !index.Services.ContainsKey((key.Namespace, target.Name)))
                {
                    accepted = False(Accepted, Reasons.TargetNotFound, $"{field}: {target.Kind} {key.Namespace}/{target.Name} not found");
                }
                else
                {
                    id = (target.Kind!, key.Namespace, target.Name);
                    if (owners.TryGetValue(id.Value, out var owner))
                    {
                        accepted = False(Accepted, Reasons.Conflicted, $"{field}: {target.Kind} {key.Namespace}/{target.Name} already has the older WebSocketPolicy {owner}");
                        id = null;
                    }
                    else
                    {
                        owners[id.Value] = key;
                        _winners[id.Value] = settings;
                        accepted = True(Accepted, Reasons.Accepted, "policy applied");
                    }
                }

                targets.Add((ancestor, accepted, id));
            }

            _all.Add((policy, key, targets));
        }
    }

    /// <summary>The settings of an HTTPRoute's policy, or else of its first backend Service that has one.</summary>
    public RouteSettings? For(RouteKey route, IEnumerable<BackendTarget> backends)
    {
        if (_winners.TryGetValue((HttpRoute.KindName, route.Namespace, route.Name), out var settings))
        {
            return settings;
        }

        foreach (var backend in backends)
        {
            if (_winners.TryGetValue(("Service", backend.Namespace, backend.ServiceName), out settings))
            {
                return settings;
            }
        }

        return null;
    }

    /// <summary>Outcomes for the policies <paramref name="isOurs"/> accepts (a target this installation serves, or no live target).</summary>
    public IReadOnlyList<PolicyOutcome> Outcomes(Func<(string Kind, string Namespace, string Name), bool> isOurs) =>
        _all.Where(p => p.Targets.Any(t => t.Target is null || isOurs(t.Target.Value)))
            .Select(p => new PolicyOutcome(p.Key, p.Policy.Metadata.Generation, p.Targets.Select(t => new AncestorOutcome(t.Ref, [t.Accepted])).ToList()))
            .OrderBy(o => o.Key.ToString(), StringComparer.Ordinal)
            .ToList();

    private static bool IsRoute(PolicyTargetReference target) => target.Group == GatewayApi.Group && target.Kind == HttpRoute.KindName;

    private static bool IsService(PolicyTargetReference target) => string.IsNullOrEmpty(target.Group) && target.Kind == "Service";
}
