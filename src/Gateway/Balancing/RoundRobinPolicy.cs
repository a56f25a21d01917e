using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Balancing;

/// <summary>Endpoints in turn, regardless of load (kept for parity with classic proxies); slow start skips young ones proportionally.</summary>
internal sealed class RoundRobinPolicy(ConnectionRegistry registry, RouteTable routes, TimeProvider time)
    : ConnectionAwarePolicy(registry, routes, time)
{
    private long _counter = -1;

    public override string Name => BalancingPolicyNames.RoundRobin;

    protected override Candidate Choose(HttpContext context, GatewayRoute route, List<Candidate> candidates)
    {
        for (var attempt = 0; attempt < candidates.Count; attempt++)
        {
            var next = (ulong)Interlocked.Increment(ref _counter);
            var candidate = candidates[(int)(next % (ulong)candidates.Count)];
            if (candidate.Weight >= 1 || Random.Shared.NextDouble() < candidate.Weight)
            {
                return candidate;
            }
        }

        return LeastLoaded(candidates);
    }
}
