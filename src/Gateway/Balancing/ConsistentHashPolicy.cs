using System.Text;
using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Balancing;

/// <summary>
/// Rendezvous hashing on a header, cookie or query value: a key goes to its highest-ranked endpoint — all of a room
/// on one backend. With boundedLoadPercent set (off by default, as Envoy's ring hash and HAProxy's hash-balance-factor),
/// a key whose endpoint already holds more than that percentage of the mean goes to the next one. Replicas agree on
/// the ranking, and removing an endpoint moves only the keys it held. Requests without the key go to the least loaded.
/// </summary>
internal sealed class ConsistentHashPolicy(ConnectionRegistry registry, RouteTable routes, TimeProvider time)
    : ConnectionAwarePolicy(registry, routes, time)
{
    public override string Name => BalancingPolicyNames.ConsistentHash;

    protected override Candidate Choose(HttpContext context, GatewayRoute route, List<Candidate> candidates)
    {
        var key = ReadKey(context.Request, route.Balancing.HashKey);
        if (string.IsNullOrEmpty(key))
        {
            return LeastLoaded(candidates);
        }

        var keyHash = StableHash.Of(key);
        if (route.Balancing.BoundedLoadPercent is not { } percent)
        {
            return candidates.MaxBy(c => Rank(keyHash, c))!;
        }

        var total = 1;
        foreach (var candidate in candidates)
        {
            total += candidate.Load.Active;
        }

        var bound = Math.Ceiling(percent / 100.0 * total / candidates.Count);
        var ranked = candidates.OrderByDescending(c => Rank(keyHash, c));
        foreach (var candidate in ranked)
        {
            if (candidate.Load.Active + 1 <= bound)
            {
                return candidate;
            }
        }

        return LeastLoaded(candidates);
    }

    private static ulong Rank(ulong keyHash, Candidate candidate) => StableHash.Mix(keyHash ^ StableHash.Of(candidate.Destination.DestinationId));

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
