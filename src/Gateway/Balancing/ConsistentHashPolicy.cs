using System.Text;
using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>
/// Rendezvous (highest-random-weight) hashing on a header, cookie or query value: the same key reaches the
/// same endpoint on every replica, and removing an endpoint moves only the keys it held.
/// Requests without the key fall back to least connections.
/// </summary>
internal sealed class ConsistentHashPolicy : ILoadBalancingPolicy
{
    private readonly RouteTable _routes;
    private readonly LeastConnectionsPolicy _fallback = new();

    public ConsistentHashPolicy(RouteTable routes) => _routes = routes;

    public string Name => BalancingPolicyNames.ConsistentHash;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        var key = _routes.TryGet(routeId, out var route) ? ReadKey(context.Request, route.Balancing.HashKey) : null;
        if (string.IsNullOrEmpty(key))
        {
            return _fallback.PickDestination(context, cluster, availableDestinations);
        }

        var keyHash = StableHash.Of(key);
        DestinationState? best = null;
        ulong bestScore = 0;
        foreach (var destination in availableDestinations)
        {
            var score = StableHash.Mix(keyHash ^ StableHash.Of(destination.DestinationId));
            if (best is null || score > bestScore)
            {
                best = destination;
                bestScore = score;
            }
        }

        return best;
    }

    private static string? ReadKey(HttpRequest request, HashKey? key) => key?.Source switch
    {
        HashKeySource.Header => request.Headers[key.Name].ToString(),
        HashKeySource.Cookie => request.Cookies[key.Name],
        HashKeySource.Query => request.Query[key.Name].ToString(),
        _ => null,
    };
}

/// <summary>A process-independent 64-bit hash (FNV-1a with a final avalanche), so replicas agree.</summary>
internal static class StableHash
{
    public static ulong Of(string value)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return Mix(hash);
    }

    public static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }
}
