using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Balancing;

/// <summary>The endpoint with the fewest open connections (weighted during slow start); ties at random.</summary>
internal sealed class LeastConnectionsPolicy(ConnectionRegistry registry, RouteTable routes, TimeProvider time)
    : ConnectionAwarePolicy(registry, routes, time)
{
    public override string Name => BalancingPolicyNames.LeastConnections;

    protected override Candidate Choose(HttpContext context, GatewayRoute route, List<Candidate> candidates) => LeastLoaded(candidates);
}
