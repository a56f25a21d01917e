using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Drain;

/// <summary>
/// After each config apply: tunnels whose endpoint left their route (removed, not ready, terminating) are
/// scheduled for a graceful close within the route's drain timeout; an endpoint that came back is spared; and
/// endpoints that just became ready start their slow-start ramp. An endpoint-only change costs the changed routes'
/// endpoints and tunnels, not the whole config's.
/// </summary>
public sealed partial class EndpointDrainer
{
    private readonly ConnectionRegistry _registry;
    private readonly DrainScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly DrainOptions _options;
    private readonly ILogger<EndpointDrainer> _logger;
    private bool _firstApplyDone;
    // By endpoint key: how many served routes list it, and how many have it ready (kept for endpoint-only applies).
    private readonly Dictionary<string, int> _listed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ready = new(StringComparer.Ordinal);

    public EndpointDrainer(ConnectionRegistry registry, DrainScheduler scheduler, TimeProvider time, IOptions<DrainOptions> options, ILogger<EndpointDrainer> logger)
    {
        _registry = registry;
        _scheduler = scheduler;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>After an apply that changed routes: every route and tunnel is looked at.</summary>
    public void OnApplied(GatewayConfig config)
    {
        var routes = config.Routes.ToDictionary(r => r.Id, r => r, StringComparer.Ordinal);
        // (route, endpoint) pairs that take connections: a set, since this runs over every open tunnel.
        var readyPairs = config.Routes.SelectMany(r => r.Endpoints.Where(e => e.Ready).Select(e => (r.Id, e.Key))).ToHashSet();
        _listed.Clear();
        _ready.Clear();
        foreach (var route in config.Routes)
        {
            Count(_listed, Keys(route, ready: false), 1, null);
            Count(_ready, Keys(route, ready: true), 1, null);
        }

        // Endpoints and routes gone from the config leave the registry once their last tunnel has drained.
        _registry.Retain(_listed.Keys, routes.Keys);
        UpdateReadiness(_ready.Keys.ToHashSet(StringComparer.Ordinal));

        var scheduled = 0;
        foreach (var tunnel in _registry.Tunnels)
        {
            var window = routes.TryGetValue(tunnel.RouteId, out var route) ? route.DrainTimeout : _options.OrphanedRouteDrainTimeout;
            scheduled += Reconsider(tunnel, readyPairs.Contains((tunnel.RouteId, tunnel.EndpointKey)), window);
        }

        LogIfDraining(scheduled);
    }

    /// <summary>After an endpoint-only apply: only the changed routes' endpoints and their tunnels are looked at.</summary>
    public void OnEndpointsChanged(IReadOnlyList<EndpointChange> changes)
    {
        var listed = new List<string>();
        var unlisted = new List<string>();
        var nowReady = new List<string>();
        var nowUnready = new List<string>();
        foreach (var (before, after) in changes)
        {
            Shift(_listed, Keys(before, ready: false), Keys(after, ready: false), listed, unlisted);
            Shift(_ready, Keys(before, ready: true), Keys(after, ready: true), nowReady, nowUnready);
        }

        // A key one route dropped and another took in the same change is still listed (and ready): the final counts decide.
        _registry.RetainChanged(listed.Where(_listed.ContainsKey), unlisted.Where(k => !_listed.ContainsKey(k)));
        var now = _time.GetTimestamp();
        foreach (var key in nowReady)
        {
            _registry.Endpoint(key).ReadySinceTicks ??= now;
        }

        foreach (var key in nowUnready.Where(k => !_ready.ContainsKey(k)))
        {
            if (_registry.TryGetEndpoint(key, out var load))
            {
                load.ReadySinceTicks = null;
            }
        }

        var scheduled = 0;
        foreach (var (before, after) in changes)
        {
            var ready = Keys(after, ready: true);
            foreach (var key in Keys(before, ready: false).Union(Keys(after, ready: false)))
            {
                if (!_registry.TryGetEndpoint(key, out var load))
                {
                    continue;
                }

                foreach (var tunnel in load.Tunnels)
                {
                    if (tunnel.RouteId == after.Id)
                    {
                        scheduled += Reconsider(tunnel, ready.Contains(key), after.DrainTimeout);
                    }
                }
            }
        }

        LogIfDraining(scheduled);
    }

    // A tunnel whose endpoint left its route is drained (1 when newly scheduled); one whose endpoint came back is spared.
    private int Reconsider(Tunnel tunnel, bool stillReady, TimeSpan window)
    {
        if (stillReady)
        {
            if (tunnel.DrainScheduled && tunnel.DrainReason == GatewayCloseReason.Drain)
            {
                _scheduler.Cancel(tunnel);
            }

            return 0;
        }

        if (tunnel.DrainScheduled || tunnel.IsClosing)
        {
            return 0;
        }

        // The first half of the window is grace: an endpoint that was only briefly unready keeps every tunnel.
        _scheduler.ScheduleWithin(tunnel, window, GatewayCloseReason.Drain, notBefore: 0.5);
        return 1;
    }

    private static HashSet<string> Keys(GatewayRoute route, bool ready) =>
        route.Endpoints.Where(e => !ready || e.Ready).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);

    // How many routes list (or have ready) each endpoint key, moved from a route's keys before to its keys after:
    // keys that reach 1 are added, keys that reach 0 removed.
    private static void Shift(Dictionary<string, int> counts, HashSet<string> before, HashSet<string> after, List<string> added, List<string> removed)
    {
        Count(counts, after.Except(before), 1, added);
        Count(counts, before.Except(after), -1, removed);
    }

    private static void Count(Dictionary<string, int> counts, IEnumerable<string> keys, int delta, List<string>? crossed)
    {
        foreach (var key in keys)
        {
            var count = counts.GetValueOrDefault(key) + delta;
            if (count <= 0)
            {
                counts.Remove(key);
            }
            else
            {
                counts[key] = count;
            }

            if (crossed is not null && (delta > 0 ? count == 1 : count <= 0))
            {
                crossed.Add(key);
            }
        }
    }

    private void LogIfDraining(int scheduled)
    {
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
