using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>
/// The shared half of every Sockway policy: reads live connection counts from the registry, applies slow start
/// and limits, and reserves the picked endpoint's slot at once, so every later pick counts it (two picks that read
/// the counts at the same instant may still both take the same endpoint: off by one, as in any concurrent balancer).
/// </summary>
internal abstract class ConnectionAwarePolicy : ILoadBalancingPolicy
{
    private const double MinimumWeight = 0.05;
    private readonly ConnectionRegistry _registry;
    private readonly RouteTable _routes;
    private readonly TimeProvider _time;

    protected ConnectionAwarePolicy(ConnectionRegistry registry, RouteTable routes, TimeProvider time)
    {
        _registry = registry;
        _routes = routes;
        _time = time;
    }

    public abstract string Name { get; }

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var feature = context.Features.Get<TunnelFeature>();
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        if (!_routes.TryGet(routeId, out var route) || availableDestinations.Count == 0)
        {
            return Fail(feature, BalancingFailure.NoEndpoint);
        }

        var endpointLimit = route.Limits.MaxPerEndpoint ?? int.MaxValue;
        var candidates = new List<Candidate>(availableDestinations.Count);
        foreach (var destination in availableDestinations)
        {
            var load = _registry.Endpoint(destination.DestinationId);
            if (load.Active < endpointLimit)
            {
                candidates.Add(new Candidate(destination, load, Weight(load, route.Balancing.SlowStart) * ConfiguredWeight(destination)));
            }
        }

        // A lost race for the last slot of an endpoint is retried with the others.
        while (candidates.Count > 0)
        {
            var chosen = Choose(context, route, candidates);
            var tunnel = _registry.TryReserve(routeId, chosen.Destination.DestinationId, route.Limits.MaxPerRoute ?? int.MaxValue, endpointLimit);
            if (tunnel is not null)
            {
                tunnel.IdleTimeout = route.IdleTimeout;
                tunnel.Keepalive = route.Keepalive;
                tunnel.MessageLimits = route.MessageLimits;
                if (feature is not null)
                {
                    feature.Tunnel = tunnel;
                }

                return chosen.Destination;
            }

            if (_registry.ActiveOnRoute(routeId) >= (route.Limits.MaxPerRoute ?? int.MaxValue))
            {
                break;
            }

            candidates.Remove(chosen);
        }

        return Fail(feature, BalancingFailure.LimitReached);
    }

    /// <summary>Picks one of the candidates (never empty).</summary>
    protected abstract Candidate Choose(HttpContext context, GatewayRoute route, List<Candidate> candidates);

    /// <summary>The candidate with the lowest score; ties broken at random.</summary>
    protected static Candidate LeastLoaded(List<Candidate> candidates)
    {
        var best = candidates[0];
        var ties = 1;
        for (var i = 1; i < candidates.Count; i++)
        {
            var score = candidates[i].Score;
            if (score < best.Score)
            {
                best = candidates[i];
                ties = 1;
            }
            else if (score == best.Score && Random.Shared.Next(++ties) == 0)
            {
                // Reservoir sampling: each tied candidate is equally likely.
                best = candidates[i];
            }
        }

        return best;
    }

    private double Weight(EndpointLoad load, TimeSpan slowStart)
    {
        if (slowStart <= TimeSpan.Zero || load.ReadySinceTicks is not { } since)
        {
            return 1;
        }

        var age = _time.GetElapsedTime(since);
        return age >= slowStart ? 1 : Math.Max(MinimumWeight, age / slowStart);
    }

    // Gateway API backendRef weights, split over endpoints by the translator: least connections normalised by weight,
    // so open tunnels settle in proportion to the weights (a per-connection read; nothing per message).
    private static double ConfiguredWeight(DestinationState destination) =>
        destination.Model?.Config.Metadata is { } metadata
        && metadata.TryGetValue(Configuration.YarpConfigBuilder.WeightMetadata, out var text)
        && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var weight)
        && weight > 0
            ? weight
            : 1;

    private static DestinationState? Fail(TunnelFeature? feature, BalancingFailure failure)
    {
        if (feature is not null)
        {
            feature.Failure = failure;
        }

        return null;
    }
}
