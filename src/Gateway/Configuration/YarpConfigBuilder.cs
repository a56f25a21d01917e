using System.Globalization;
using System.Net;
using Yarp.ReverseProxy.Configuration;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Health;
using Yarp.ReverseProxy.Forwarder;

namespace Sockway.Gateway.Configuration;

/// <summary>Maps Sockway's gateway model onto YARP routes and clusters (one cluster per route, without its endpoints).</summary>
internal static class YarpConfigBuilder
{
    public const string ConnectTimeoutMetadata = "sockway.io/connect-timeout-ms";
    public const string HandshakeTimeoutMetadata = "sockway.io/handshake-timeout-ms";

    // Read by the route precedence policy, which matches paths byte for byte (ASP.NET routing does not).
    public const string PathMetadata = "sockway.io/path";
    public const string PathTypeMetadata = "sockway.io/path-type";

    // An endpoint's share of new connections (absent: 1), read by the balancing policies.
    public const string WeightMetadata = "sockway.io/weight";

    // YARP rejects a non-positive ActivityTimeout, and CancellationTokenSource caps delays at int.MaxValue ms;
    // this is the longest idle period that can be expressed (about 24.8 days): effectively "none".
    internal static readonly TimeSpan NoIdleTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    private static readonly IReadOnlyDictionary<string, DestinationConfig> NoDestinations = new Dictionary<string, DestinationConfig>();

    private static readonly IReadOnlyList<IReadOnlyDictionary<string, string>> Transforms =
    [
        // Keep the client's Host: backends route and build URLs on it (nginx: proxy_set_header Host $host).
        new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" },
    ];

    public static RouteConfig BuildRoute(GatewayRoute route) => new()
    {
        RouteId = route.Id,
        ClusterId = route.Id,
        Match = new RouteMatch
        {
            Hosts = route.Hosts.Count == 0 ? null : route.Hosts,
            Path = PathTemplate(route),
            // YARP filters on them; the precedence policy ranks a route with more header matches first (Gateway API).
            Headers = route.Headers.Count == 0 ? null : route.Headers.Select(h => new RouteHeader
            {
                Name = h.Name,
                Values = [h.Value],
                Mode = HeaderMatchMode.ExactHeader,
                IsCaseSensitive = true,
            }).ToList(),
        },
        Transforms = Transforms,
        Metadata = new Dictionary<string, string>
        {
            [PathMetadata] = route.Path,
            [PathTypeMetadata] = route.PathType.ToString(),
        },
    };

    public static ClusterConfig BuildCluster(GatewayRoute route) => new()
    {
        ClusterId = route.Id,
        LoadBalancingPolicy = BalancingPolicyNames.For(route.Balancing.Policy),
        // None: the balancer picks from the route table's endpoints (EndpointSet), so an endpoint change leaves
        // YARP's config as it is.
        Destinations = NoDestinations,
        HealthCheck = new HealthCheckConfig
        {
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = ConnectFailureHealthPolicy.PolicyName,
                ReactivationPeriod = ConnectFailureHealthPolicy.ReactivationPeriod,
            },
        },
        HttpRequest = new ForwarderRequestConfig
        {
            ActivityTimeout = route.IdleTimeout ?? NoIdleTimeout,
            // Backends speak HTTP/1.1; YARP turns an incoming HTTP/2 extended CONNECT into an HTTP/1.1 Upgrade.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        },
        Metadata = new Dictionary<string, string>
        {
            [ConnectTimeoutMetadata] = ((long)route.ConnectTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            [HandshakeTimeoutMetadata] = ((long)route.HandshakeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        },
    };

    private static string PathTemplate(GatewayRoute route)
    {
        var path = route.Path.TrimEnd('/');
        return route.PathType == PathMatchType.Exact
            ? (path.Length == 0 ? "/" : path)
            : path + "/{**sockway-rest}";
    }
}
