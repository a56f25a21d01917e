using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
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

    public static BackendResolution Resolve(ValidatedRoute route, SnapshotIndex index)
    {
        var ns = route.Key.Namespace;
        if (!index.Services.TryGetValue((ns, route.ServiceName), out var service))
        {
            return Fail(RouteConditions.Reasons.BackendNotFound, $"Service {ns}/{route.ServiceName} not found");
        }

        var servicePort = FindServicePort(service, route.ServicePort);
        if (servicePort is null)
        {
            var known = string.Join(", ", service.Spec?.Ports?.OfType<V1ServicePort>().Select(p => p.Name is { Length: > 0 } ? $"{p.Name}/{p.Port}" : p.Port.ToString()) ?? []);
            return Fail(RouteConditions.Reasons.PortNotFound, $"Service {ns}/{route.ServiceName} has no port '{route.ServicePort.Value}' (ports: {known})");
        }

        var endpoints = new Dictionary<string, GatewayEndpoint>(StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (var slice in index.SlicesFor(ns, route.ServiceName))
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

        return new BackendResolution(endpoints.Values.OrderBy(e => e.Key, StringComparer.Ordinal).ToList(), null) { Skipped = skipped };
    }

    private static V1ServicePort? FindServicePort(V1Service service, IntOrString port)
    {
        var ports = service.Spec?.Ports?.OfType<V1ServicePort>() ?? [];
        return int.TryParse(port.Value, out var number)
            ? ports.FirstOrDefault(p => p.Port == number)
            : ports.FirstOrDefault(p => p.Name == port.Value);
    }

    private static BackendResolution Fail(string reason, string message) =>
        new([], new RouteCondition(RouteConditions.ResolvedRefs, false, reason, message));
}
