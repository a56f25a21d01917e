using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>Cycles through the destinations in order, one counter per cluster.</summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private readonly ConditionalWeakTable<ClusterState, StrongBox<long>> _counters = new();

    public string Name => BalancingPolicyNames.RoundRobin;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var counter = _counters.GetValue(cluster, _ => new StrongBox<long>(-1));
        var next = Interlocked.Increment(ref counter.Value);
        return availableDestinations[(int)((ulong)next % (ulong)availableDestinations.Count)];
    }
}
