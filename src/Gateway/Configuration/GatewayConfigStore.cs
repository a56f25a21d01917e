using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Sockway.Gateway.Configuration;

/// <summary>
/// Holds the served configuration and feeds it to YARP. Each route is validated on its own so that one
/// bad route is dropped (and reported) while every other route keeps serving.
/// </summary>
/// <remarks>
/// YARP reloads when the offered snapshot's change token fires, and may finish later on another thread. A
/// config counts as served (<see cref="Current"/>, readiness, route status) only once YARP reports it applied.
/// </remarks>
public sealed partial class GatewayConfigStore : IProxyConfigProvider, IConfigChangeListener
{
    // Bounds a YARP reload that never reports back, so the controller logs and retries instead of hanging.
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(30);

    private readonly IConfigValidator _validator;
    private readonly RouteTable _table;
    private readonly ILogger<GatewayConfigStore> _logger;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private volatile Snapshot _offered = new([], [], new CancellationTokenSource());
    private volatile GatewayConfig _current = GatewayConfig.Empty;
    private long _yarpReloads;
    // Each route's YARP pieces and their validation, by route id: an unchanged route (the same instance, as the incremental
    // translator hands on) costs nothing; one whose endpoints alone changed keeps its RouteConfig and ClusterConfig.
    private Dictionary<string, Built> _built = new(StringComparer.Ordinal);

    public GatewayConfigStore(IConfigValidator validator, RouteTable table, ILogger<GatewayConfigStore> logger)
    {
        _validator = validator;
        _table = table;
        _logger = logger;
    }

    /// <summary>The configuration being served (YARP's, with the route table's endpoints).</summary>
    public GatewayConfig Current => _current;

    /// <summary>True once YARP serves a configuration applied here.</summary>
    public bool HasConfig { get; private set; }

    /// <summary>
    /// Raised before a configuration is offered to YARP (and again with the served one if YARP refuses it): what the
    /// data plane needs ready before any request can be routed by it, such as the TLS certificates.
    /// </summary>
    public event Action<GatewayConfig>? Applying;

    /// <summary>Raised after every newly applied configuration is served.</summary>
    public event Action<GatewayConfig>? Applied;

    /// <summary>Raised (before <see cref="Applied"/>) after a configuration YARP reloaded for is served: routes, their settings or certificates changed.</summary>
    public event Action<GatewayConfig>? RoutesApplied;

    /// <summary>
    /// Raised (before <see cref="Applied"/>) after a change to routes' endpoints alone is served, with those routes
    /// before and after: YARP was not involved, and what follows (drain, readiness) need only look at them.
    /// </summary>
    public event Action<IReadOnlyList<EndpointChange>>? EndpointsApplied;

    /// <summary>YARP reloads offered and served: an endpoint-only change makes none.</summary>
    public long YarpReloads => Interlocked.Read(ref _yarpReloads);

    IProxyConfig IProxyConfigProvider.GetConfig() => _offered;

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
            var built = new Dictionary<string, Built>(config.Routes.Count, StringComparer.Ordinal);
            var endpointChanges = new List<EndpointChange>();
            // YARP need not hear of a change to routes' endpoints alone: same routes, settings and certificates.
            var yarpChanged = !HasConfig || !ReferenceEquals(config.Certificates, _current.Certificates) && !config.Certificates.SequenceEqual(_current.Certificates);
            foreach (var route in config.Routes)
            {
                // YARP fails a whole config over one repeated id; the first route with an id is the one served.
                if (built.ContainsKey(route.Id))
                {
                    LogDuplicateRoute(route.Id);
                    continue;
                }

                var rebuilt = await BuildAsync(route);
                built[route.Id] = rebuilt;
                if (!_built.TryGetValue(route.Id, out var known) || !ReferenceEquals(known.Route, rebuilt.Route) || known.Errors != rebuilt.Errors)
                {
                    yarpChanged = true;
                }
                else if (!ReferenceEquals(known.Source, route) && rebuilt.Errors is null)
                {
                    endpointChanges.Add(new EndpointChange(known.Source, route));
                }

                if (rebuilt.Errors is { } reason)
                {
                    rejected[route.Id] = reason;
                    LogRouteRejected(route.Id, reason);
                    continue;
                }

                routes.Add(rebuilt.Route);
                clusters.Add(rebuilt.Cluster);
                accepted.Add(route);
            }

            var served = config with { Routes = accepted };
            if (!yarpChanged && built.Count == _built.Count)
            {
                ApplyEndpoints(served, built, endpointChanges);
                return rejected;
            }

            var next = new Snapshot(routes, clusters, new CancellationTokenSource());
            var previous = _offered;
            // What a route names must be servable before YARP can route to it: its settings, and its certificate (a
            // handshake for its host must find it the moment the config counts as served).
            _table.Replace(accepted);
            Applying?.Invoke(served);
            _offered = next;
            previous.Signal();
            try
            {
                await next.Served.WaitAsync(ApplyTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not TimeoutException)
            {
                // YARP refused it and still serves the last good config: its routes keep their settings. (After a
                // timeout YARP may yet apply the offered one, so the new settings stay.)
                _table.Replace(_current.Routes);
                Applying?.Invoke(_current);
                throw;
            }

            Interlocked.Increment(ref _yarpReloads);
            _built = built;
            _current = served;
            HasConfig = true;
            RoutesApplied?.Invoke(served);
            Applied?.Invoke(served);
            return rejected;
        }
        finally
        {
            _applyLock.Release();
        }
    }

    // Served the moment each changed route's endpoints are swapped in the route table (each route atomically).
    private void ApplyEndpoints(GatewayConfig served, Dictionary<string, Built> built, List<EndpointChange> changes)
    {
        foreach (var change in changes)
        {
            _table.ReplaceEndpoints(change.After);
        }

        _built = built;
        _current = served;
        if (changes.Count > 0)
        {
            EndpointsApplied?.Invoke(changes);
        }

        Applied?.Invoke(served);
    }

    private async ValueTask<Built> BuildAsync(GatewayRoute route)
    {
        if (_built.TryGetValue(route.Id, out var known))
        {
            if (ReferenceEquals(known.Source, route))
            {
                return known;
            }

            // YARP's route and cluster carry no endpoints: a change to them alone keeps both (and their validation).
            if (known.Source.DiffersOnlyInEndpoints(route))
            {
                return known with { Source = route };
            }
        }

        var yarpRoute = YarpConfigBuilder.BuildRoute(route);
        var yarpCluster = YarpConfigBuilder.BuildCluster(route);
        var errors = new List<Exception>();
        errors.AddRange(await _validator.ValidateRouteAsync(yarpRoute));
        errors.AddRange(await _validator.ValidateClusterAsync(yarpCluster));
        return new Built(route, yarpRoute, yarpCluster, Reason(errors));
    }

    private static string? Reason(IEnumerable<Exception> errors) => errors.Any() ? string.Join("; ", errors.Select(e => e.Message)) : null;

    /// <summary>A route's YARP route and cluster, and why YARP would refuse them (null: valid).</summary>
    private sealed record Built(GatewayRoute Source, RouteConfig Route, ClusterConfig Cluster, string? Errors);

    void IConfigChangeListener.ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        foreach (var config in proxyConfigs)
        {
            (config as Snapshot)?.MarkServed();
        }
    }

    void IConfigChangeListener.ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
        // YARP keeps serving the previous config; ApplyAsync reports the failure to its caller.
        foreach (var config in proxyConfigs)
        {
            (config as Snapshot)?.MarkFailed(exception);
        }
    }

    void IConfigChangeListener.ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    void IConfigChangeListener.ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Route {RouteId} appears twice in the config; the first one is served")]
    private partial void LogDuplicateRoute(string routeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Route {RouteId} rejected by the gateway: {Reason}")]
    private partial void LogRouteRejected(string routeId, string reason);

    private sealed class Snapshot : IProxyConfig
    {
        private readonly CancellationTokenSource _changed;
        private readonly TaskCompletionSource _served = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Snapshot(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, CancellationTokenSource changed)
        {
            YarpRoutes = routes;
            YarpClusters = clusters;
            _changed = changed;
            ChangeToken = new CancellationChangeToken(changed.Token);
        }

        public IReadOnlyList<RouteConfig> YarpRoutes { get; }

        public IReadOnlyList<ClusterConfig> YarpClusters { get; }

        IReadOnlyList<RouteConfig> IProxyConfig.Routes => YarpRoutes;

        IReadOnlyList<ClusterConfig> IProxyConfig.Clusters => YarpClusters;

        public IChangeToken ChangeToken { get; }

        /// <summary>Completes once YARP has applied this snapshot.</summary>
        public Task Served => _served.Task;

        public void Signal() => _changed.Cancel();

        public void MarkServed() => _served.TrySetResult();

        public void MarkFailed(Exception exception) => _served.TrySetException(exception);
    }
}

/// <summary>A served route whose endpoints alone changed: as it was and as it is now.</summary>
public sealed record EndpointChange(GatewayRoute Before, GatewayRoute After);
