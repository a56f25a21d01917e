using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Drain;

/// <summary>
/// After each config apply: tunnels whose endpoint left their route (removed, not ready, terminating) are
/// scheduled for a graceful close within the route's drain timeout; an endpoint that came back is spared; and
/// endpoints that just became ready start their slow-start ramp.
/// </summary>
public sealed partial class EndpointDrainer
{
    private readonly ConnectionRegistry _registry;
    private readonly DrainScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly DrainOptions _options;
    private readonly ILogger<EndpointDrainer> _logger;
    private bool _firstApplyDone;

    public EndpointDrainer(ConnectionRegistry registry, DrainScheduler scheduler, TimeProvider time, IOptions<DrainOptions> options, ILogger<EndpointDrainer> logger)
    {
        _registry = registry;
        _scheduler = scheduler;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public void OnApplied(GatewayConfig config)
    {
        var routes = config.Routes.ToDictionary(r => r.Id, r => r, StringComparer.Ordinal);
        // (route, endpoint) pairs that take connections: a set, since this runs over every open tunnel.
        var readyPairs = config.Routes.SelectMany(r => r.Endpoints.Where(e => e.Ready).Select(e => (r.Id, e.Key))).ToHashSet();
        // Endpoints and routes gone from the config leave the registry once their last tunnel has drained.
        _registry.Retain(config.Routes.SelectMany(r => r.Endpoints.Select(e => e.Key)), routes.Keys);
        UpdateReadiness(readyPairs.Select(p => p.Key).ToHashSet(StringComparer.Ordinal));

        var scheduled = 0;
        foreach (var tunnel in _registry.Tunnels)
        {
            var stillReady = readyPairs.Contains((tunnel.RouteId, tunnel.EndpointKey));
            if (stillReady)
            {
                if (tunnel.DrainScheduled && tunnel.DrainReason == GatewayCloseReason.Drain)
                {
                    _scheduler.Cancel(tunnel);
                }
            }
            else if (!tunnel.DrainScheduled && !tunnel.IsClosing)
            {
                var window = routes.TryGetValue(tunnel.RouteId, out var route) ? route.DrainTimeout : _options.OrphanedRouteDrainTimeout;
                // The first half of the window is grace: an endpoint that was only briefly unready keeps every tunnel.
                _scheduler.ScheduleWithin(tunnel, window, GatewayCloseReason.Drain, notBefore: 0.5);
                scheduled++;
            }
        }

        if (scheduled > 0)
        {
            LogDraining(scheduled);
        }
    }

    private void UpdateReadiness(HashSet<string> ready)
    {
        var now = _time.GetTimestamp();
        // Endpoints already there when Sockway starts are established members, not newcomers: no slow start for them.
        var since = _firstApplyDone ? now : now - (_time.TimestampFrequency * 86_400);
        _firstApplyDone = true;
        foreach (var key in ready)
        {
            var load = _registry.Endpoint(key);
            load.ReadySinceTicks ??= since;
        }

        foreach (var load in _registry.Endpoints)
        {
            if (!ready.Contains(load.Key))
            {
                load.ReadySinceTicks = null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining {Count} tunnel(s) whose endpoint is no longer ready")]
    private partial void LogDraining(int count);
}
