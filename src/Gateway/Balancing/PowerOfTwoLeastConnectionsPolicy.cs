using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Balancing;

/// <summary>Two endpoints sampled at random; the less loaded one wins. Cheap on very large endpoint sets.</summary>
internal sealed class PowerOfTwoLeastConnectionsPolicy(ConnectionRegistry registry, RouteTable routes, TimeProvider time)
    : ConnectionAwarePolicy(registry, routes, time)
{
    public override string Name => BalancingPolicyNames.PowerOfTwoLeastConnections;

    protected override Candidate Choose(HttpContext context, GatewayRoute route, List<Candidate> candidates)
    {
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var first = Random.Shared.Next(candidates.Count);
        var second = Random.Shared.Next(candidates.Count - 1);
        if (second >= first)
        {
            second++;
        }

        return candidates[first].Score <= candidates[second].Score ? candidates[first] : candidates[second];
    }
}
