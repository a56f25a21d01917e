using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation;

/// <summary>The outcome of resolving a route's backend Service and port to endpoints.</summary>
internal sealed record BackendResolution(IReadOnlyList<GatewayEndpoint> Endpoints, RouteCondition? Failure)
{
    /// <summary>Addresses and ports the slices hold that cannot be dialled (reported on the route, never served).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>Resolves Service + port to endpoint addresses through EndpointSlices, as kube-proxy would.</summary>
internal static class BackendResolver
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>
    /// All targets' endpoints together (an address behind two targets counts once); the first target that does not
    /// resolve is the failure, and the others still serve.
    /// </summary>
    public static BackendResolution Resolve(IReadOnlyList<BackendTarget> targets, SnapshotIndex index)
    {
        var perTarget = new List<(BackendTarget Target, Dictionary<string, GatewayEndpoint> Endpoints)>();
        var skipped = new List<string>();
        RouteCondition? failure = null;
        foreach (var target in targets)
        {
            var endpoints = new Dictionary<string, GatewayEndpoint>(StringComparer.Ordinal);
            failure ??= Resolve(target, index, endpoints, skipped);
            perTarget.Add((target, endpoints));
        }

        return new BackendResolution(Weigh(perTarget).OrderBy(e => e.Key, StringComparer.Ordinal).ToList(), failure) { Skipped = skipped };
    }

    /// <summary>
    /// Each target's weight is its share of the route's connections, split evenly over its ready endpoints (as Gateway
    /// API's backendRef weights split traffic). Endpoint weights are scaled so they average 1 (one target, or equal
    /// shares per endpoint, leaves every weight at 1); the balancer divides each endpoint's open connections by its
    /// weight. A target without ready endpoints gives its share to the others; weight 0 takes no new connections.
    /// </summary>
    private static IEnumerable<GatewayEndpoint> Weigh(List<(BackendTarget Target, Dictionary<string, GatewayEndpoint> Endpoints)> perTarget)
    {
        var live = perTarget.Where(t => t.Endpoints.Values.Any(e => e.Ready)).ToList();
        var totalWeight = live.Sum(t => (double)Math.Max(0, t.Target.Weight));
        var totalReady = live.Sum(t => t.Endpoints.Values.Count(e => e.Ready));
        var merged = new Dictionary<string, GatewayEndpoint>(StringComparer.Ordinal);
        foreach (var (target, endpoints) in perTarget)
        {
            var ready = endpoints.Values.Count(e => e.Ready);
            var share = ready == 0 || totalWeight == 0 ? 0 : Math.Max(0, target.Weight) / totalWeight * totalReady / ready;
            foreach (var endpoint in endpoints.Values)
            {
                var weighted = endpoint with { Weight = endpoint.Ready ? Math.Round(share, 6) : 1 };
                // The same address behind two targets counts once, with both shares; ready wins.
                if (!merged.TryGetValue(weighted.Key, out var existing))
                {
                    merged[weighted.Key] = weighted;
                }
                else if (existing.Ready && weighted.Ready)
                {
                    merged[weighted.Key] = existing with { Weight = existing.Weight + weighted.Weight };
                }
                else if (!existing.Ready && weighted.Ready)
                {
                    merged[weighted.Key] = weighted;
                }
            }
        }

        return merged.Values;
    }

    private static RouteCondition? Resolve(BackendTarget target, SnapshotIndex index, Dictionary<string, GatewayEndpoint> endpoints, List<string> skipped)
    {
        var ns = target.Namespace;
        if (!index.Services.TryGetValue((ns, target.ServiceName), out var service))
        {
            return Fail(RouteConditions.Reasons.BackendNotFound, $"Service {ns}/{target.ServiceName} not found");
        }

        var servicePort = FindServicePort(service, target.Port);
        if (servicePort is null)
        {
            var known = string.Join(", ", service.Spec?.Ports?.OfType<V1ServicePort>().Select(p => p.Name is { Length: > 0 } ? $"{p.Name}/{p.Port}" : p.Port.ToString()) ?? []);
            return Fail(RouteConditions.Reasons.PortNotFound, $"Service {ns}/{target.ServiceName} has no port '{target.Port.Value}' (ports: {known})");
        }

        foreach (var slice in index.SlicesFor(ns, target.ServiceName))
        {
            var port = slice.Ports?.OfType<Discoveryv1EndpointPort>().FirstOrDefault(p => (p.Name ?? string.Empty) == (servicePort.Name ?? string.Empty))?.Port;
            if (port is null)
            {
                continue;
            }

            if (!EndpointSliceValidator.IsPort(port.Value))
            {
                skipped.Add($"EndpointSlice {ns}/{slice.Metadata.Name} port {port} is outside 1-65535");
                continue;
            }

            foreach (var endpoint in slice.Endpoints?.OfType<V1Endpoint>() ?? [])
            {
                var conditions = endpoint.Conditions;
                // Per the EndpointSlice API, a missing "ready" means ready; "serving" defaults to "ready".
                var ready = conditions?.Ready ?? true;
                var serving = conditions?.Serving ?? ready;
                var terminating = conditions?.Terminating ?? false;
                if (!ready && !serving && !terminating)
                {
                    continue;
                }

                foreach (var address in endpoint.Addresses ?? [])
                {
                    if (EndpointSliceValidator.AddressProblem(address, slice.AddressType) is { } problem)
                    {
                        skipped.Add($"EndpointSlice {ns}/{slice.Metadata.Name}: {problem}");
                        continue;
                    }

                    var candidate = new GatewayEndpoint(address, port.Value, ready && !terminating);
                    // The same address in two slices (mid-migration) counts once; ready wins.
                    if (!endpoints.TryGetValue(candidate.Key, out var existing) || (!existing.Ready && candidate.Ready))
                    {
                        endpoints[candidate.Key] = candidate;
                    }
                }
            }
        }

        return null;
    }

    private static V1ServicePort? FindServicePort(V1Service service, IntOrString port)
    {
        var ports = service.Spec?.Ports?.OfType<V1ServicePort>() ?? [];
        return int.TryParse(port.Value, out var number)
            ? ports.FirstOrDefault(p => p.Port == number)
            : ports.FirstOrDefault(p => p.Name == port.Value);
    }

    private static RouteCondition Fail(string reason, string message) => new(RouteConditions.ResolvedRefs, false, reason, message);
}
