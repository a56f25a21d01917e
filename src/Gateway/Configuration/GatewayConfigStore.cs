using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Sockway.Gateway.Configuration;

/// <summary>
/// Holds the served configuration and feeds it to YARP. Each route is validated on its own so that one
/// bad route is dropped (and reported) while every other route keeps serving.
/// </summary>
public sealed partial class GatewayConfigStore : IProxyConfigProvider
{
    private readonly IConfigValidator _validator;
    private readonly RouteTable _table;
    private readonly ILogger<GatewayConfigStore> _logger;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private volatile Snapshot _current = new(GatewayConfig.Empty, [], [], new CancellationTokenSource());

    public GatewayConfigStore(IConfigValidator validator, RouteTable table, ILogger<GatewayConfigStore> logger)
    {
        _validator = validator;
        _table = table;
        _logger = logger;
    }

    /// <summary>The configuration being served.</summary>
    public GatewayConfig Current => _current.Config;

    /// <summary>True once a configuration has been applied.</summary>
    public bool HasConfig { get; private set; }

    /// <summary>Raised after a configuration has been applied.</summary>
    public event Action<GatewayConfig>? Applied;

    IProxyConfig IProxyConfigProvider.GetConfig() => _current;

    /// <summary>Validates and applies a configuration; returns the routes rejected, by id, with the reason.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ApplyAsync(GatewayConfig config, CancellationToken cancellationToken = default)
    {
        await _applyLock.WaitAsync(cancellationToken);
        try
        {
            var rejected = new Dictionary<string, string>(StringComparer.Ordinal);
            var routes = new List<RouteConfig>(config.Routes.Count);
            var clusters = new List<ClusterConfig>(config.Routes.Count);
            var accepted = new List<GatewayRoute>(config.Routes.Count);
            foreach (var route in config.Routes)
            {
                var yarpRoute = YarpConfigBuilder.BuildRoute(route);
                var yarpCluster = YarpConfigBuilder.BuildCluster(route);
                var errors = new List<Exception>();
                errors.AddRange(await _validator.ValidateRouteAsync(yarpRoute));
                errors.AddRange(await _validator.ValidateClusterAsync(yarpCluster));
                if (errors.Count > 0)
                {
                    var reason = string.Join("; ", errors.Select(e => e.Message));
                    rejected[route.Id] = reason;
                    LogRouteRejected(route.Id, reason);
                    continue;
                }

                routes.Add(yarpRoute);
                clusters.Add(yarpCluster);
                accepted.Add(route);
            }

            var served = config with { Routes = accepted };
            var next = new Snapshot(served, routes, clusters, new CancellationTokenSource());
            var previous = _current;
            // Settings first: a request routed by the new YARP config must find its route's settings.
            _table.Replace(accepted);
            _current = next;
            HasConfig = true;
            previous.Signal();
            Applied?.Invoke(served);
            return rejected;
        }
        finally
        {
            _applyLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Route {RouteId} rejected by the gateway: {Reason}")]
    private partial void LogRouteRejected(string routeId, string reason);

    private sealed class Snapshot : IProxyConfig
    {
        private readonly CancellationTokenSource _changed;

        public Snapshot(GatewayConfig config, IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, CancellationTokenSource changed)
        {
            Config = config;
            YarpRoutes = routes;
            YarpClusters = clusters;
            _changed = changed;
            ChangeToken = new CancellationChangeToken(changed.Token);
        }

        public GatewayConfig Config { get; }

        public IReadOnlyList<RouteConfig> YarpRoutes { get; }

        public IReadOnlyList<ClusterConfig> YarpClusters { get; }

        IReadOnlyList<RouteConfig> IProxyConfig.Routes => YarpRoutes;

        IReadOnlyList<ClusterConfig> IProxyConfig.Clusters => YarpClusters;

        public IChangeToken ChangeToken { get; }

        public void Signal() => _changed.Cancel();
    }
}
