using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>Picks the destination with the fewest open connections; ties are broken at random.</summary>
internal sealed class LeastConnectionsPolicy : ILoadBalancingPolicy
{
    public string Name => BalancingPolicyNames.LeastConnections;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        DestinationState? best = null;
        var bestCount = int.MaxValue;
        var ties = 0;
        foreach (var destination in availableDestinations)
        {
            var count = destination.ConcurrentRequestCount;
            if (count < bestCount)
            {
                best = destination;
                bestCount = count;
                ties = 1;
            }
            else if (count == bestCount && Random.Shared.Next(++ties) == 0)
            {
                // Reservoir sampling: each tied destination ends up chosen with equal probability.
                best = destination;
            }
        }

        return best;
    }
}
