using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Sockway.Gateway.Configuration;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Routing;

/// <summary>
/// Picks among the routes ASP.NET routing found for a request by <see cref="RoutePrecedence"/>. Routing alone ranks
/// by path template before host, and matches literals case-insensitively with a trailing slash allowed; its
/// candidates are a superset of Sockway's matches, so this policy only removes: the routes that do not match
/// Sockway's way, and every route but the best.
/// </summary>
internal sealed class RoutePrecedencePolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // After the host and method policies have filtered the candidates.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Any(e => Of(e) is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var host = httpContext.Request.Host.Host;
        var path = httpContext.Request.Path.Value is { Length: > 0 } p ? p : "/";
        var best = -1;
        RouteRank bestRank = default;
        string bestId = string.Empty;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i) || Of(candidates[i].Endpoint) is not { } route)
            {
                continue;
            }

            // YARP's header policy has already removed the candidates whose header matches fail.
            var rank = RoutePrecedence.Rank(route.Match.Hosts, route.Path, route.PathType, host, path) is { } matched
                ? matched with { Headers = route.Match.Headers?.Count ?? 0 }
                : (RouteRank?)null;
            if (rank is null)
            {
                candidates.SetValidity(i, false);
                continue;
            }

            if (best < 0 || RoutePrecedence.Beats(rank.Value, route.RouteId, bestRank, bestId))
            {
                if (best >= 0)
                {
                    candidates.SetValidity(best, false);
                }

                best = i;
                bestRank = rank.Value;
                bestId = route.RouteId;
            }
            else
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    private static RouteEntry? Of(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<RouteModel>()?.Config is { } config
        && config.Metadata is { } metadata
        && metadata.TryGetValue(YarpConfigBuilder.PathMetadata, out var path)
        && metadata.TryGetValue(YarpConfigBuilder.PathTypeMetadata, out var type)
        && Enum.TryParse<PathMatchType>(type, out var pathType)
            ? new RouteEntry(config.RouteId, config.Match, path, pathType)
            : null;

    private sealed record RouteEntry(string RouteId, Yarp.ReverseProxy.Configuration.RouteMatch Match, string Path, PathMatchType PathType);
}
