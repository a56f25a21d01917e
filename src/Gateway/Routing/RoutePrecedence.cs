using Sockway.Gateway.Configuration;

namespace Sockway.Gateway.Routing;

/// <summary>
/// How well a route matches a request, ordered as Ingress and Gateway API order them: the host first (an exact host,
/// then wildcards by longest suffix, then routes for any host), then the path (Exact, then the longest Prefix). Paths
/// compare byte for byte (case-sensitive, no trailing-slash leniency); Prefix matches whole segments ("/ws" matches
/// "/ws" and "/ws/x", not "/wsx"), then the number of header matches (more wins). Hosts compare case-insensitively.
/// </summary>
internal readonly record struct RouteRank(HostMatch Host, int HostLength, PathMatchType PathType, int PathLength, int Headers = 0) : IComparable<RouteRank>
{
    /// <summary>Negative when this rank beats <paramref name="other"/>.</summary>
    public int CompareTo(RouteRank other)
    {
        var byHost = Host != other.Host ? Host.CompareTo(other.Host) : other.HostLength.CompareTo(HostLength);
        if (byHost != 0)
        {
            return byHost;
        }

        // PathMatchType.Exact sorts after Prefix in the enum; an Exact match beats any Prefix.
        var byPath = PathType != other.PathType ? (PathType == PathMatchType.Exact ? -1 : 1) : other.PathLength.CompareTo(PathLength);

        // Then the most header matches (Gateway API); routes without header matches all have 0.
        return byPath != 0 ? byPath : other.Headers.CompareTo(Headers);
    }
}

internal enum HostMatch
{
    Exact,
    Wildcard,
    Any,
}

internal static class RoutePrecedence
{
    /// <summary>The rank of a route for a request, or null when the route does not match it.</summary>
    public static RouteRank? Rank(IReadOnlyList<string>? hosts, string path, PathMatchType pathType, string requestHost, string requestPath)
    {
        if (MatchHost(hosts, requestHost) is not var (host, hostLength))
        {
            return null;
        }

        if (pathType == PathMatchType.Exact)
        {
            return string.Equals(path, requestPath, StringComparison.Ordinal) ? new RouteRank(host, hostLength, pathType, path.Length) : null;
        }

        // A Prefix's trailing slash is not significant ("/ws/" is "/ws"), as in Ingress.
        var prefix = path.TrimEnd('/');
        var matches = prefix.Length == 0
            || (requestPath.StartsWith(prefix, StringComparison.Ordinal) && (requestPath.Length == prefix.Length || requestPath[prefix.Length] == '/'));
        return matches ? new RouteRank(host, hostLength, pathType, prefix.Length) : null;
    }

    /// <summary>The best of <paramref name="routes"/> for a request; ties go to the lowest route id, so replicas agree.</summary>
    public static GatewayRoute? Select(IEnumerable<GatewayRoute> routes, string requestHost, string requestPath)
    {
        GatewayRoute? best = null;
        RouteRank bestRank = default;
        foreach (var route in routes)
        {
            if (Rank(route.Hosts, route.Path, route.PathType, requestHost, requestPath) is { } rank
                && (best is null || Beats(rank, route.Id, bestRank, best.Id)))
            {
                best = route;
                bestRank = rank;
            }
        }

        return best;
    }

    public static bool Beats(RouteRank rank, string id, RouteRank other, string otherId)
    {
        var order = rank.CompareTo(other);
        return order < 0 || (order == 0 && string.CompareOrdinal(id, otherId) < 0);
    }

    private static (HostMatch, int)? MatchHost(IReadOnlyList<string>? hosts, string requestHost)
    {
        if (hosts is null || hosts.Count == 0)
        {
            return (HostMatch.Any, 0);
        }

        (HostMatch, int)? best = null;
        foreach (var host in hosts)
        {
            if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                // "*.example.com" is a suffix match over one or more labels, never "example.com" itself.
                var suffix = host.AsSpan(1);
                if (requestHost.Length > suffix.Length && requestHost.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                    && (best is null || (best.Value.Item1 == HostMatch.Wildcard && best.Value.Item2 < suffix.Length)))
                {
                    best = (HostMatch.Wildcard, suffix.Length);
                }
            }
            else if (string.Equals(host, requestHost, StringComparison.OrdinalIgnoreCase))
            {
                return (HostMatch.Exact, host.Length);
            }
        }

        return best;
    }
}
