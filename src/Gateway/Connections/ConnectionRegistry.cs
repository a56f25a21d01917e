using System.Collections.Concurrent;

namespace Sockway.Gateway.Connections;

/// <summary>
/// Every open proxied connection by endpoint and route, with the counts the balancing policies read. Slots are
/// reserved when a policy picks an endpoint, so a burst of simultaneous upgrades sees its own earlier picks.
/// State stays bounded: an endpoint or route leaves once it is gone from the served config and has no tunnel left.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, EndpointLoad> _endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SlotCounter> _routes = new(StringComparer.Ordinal);
    private readonly TunnelOptions _options;
    private readonly TimeProvider _time;
    private volatile Configured? _configured;
    private long _nextId;

    public ConnectionRegistry()
        : this(new TunnelOptions(), TimeProvider.System)
    {
    }

    public ConnectionRegistry(TunnelOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        Clock = new Keepalive.KeepaliveClock(time);
    }

    /// <summary>The coarse clock the pumps stamp peers' activity with; the keepalive sweep moves it on.</summary>
    public Keepalive.KeepaliveClock Clock { get; }

    /// <summary>Raised when a tunnel ends (after its slot is released).</summary>
    public event Action<Tunnel>? Released;

    public EndpointLoad Endpoint(string key)
    {
        while (true)
        {
            var load = _endpoints.GetOrAdd(key, static k => new EndpointLoad(k));
            if (!load.IsRetired)
            {
                return load;
            }

            // Being removed right now: the next GetOrAdd makes a fresh entry.
            _endpoints.TryRemove(new KeyValuePair<string, EndpointLoad>(key, load));
        }
    }

    // Live views, no snapshot copy: ConcurrentDictionary.Values takes every lock and copies every entry, and the sweeps
    // (keepalive every 0.5 s, idle, metrics) read these over every endpoint of the config.
    public IEnumerable<EndpointLoad> Endpoints => _endpoints.Select(pair => pair.Value);

    /// <summary>The endpoint's entry if it has one (never creates it).</summary>
    public bool TryGetEndpoint(string key, out EndpointLoad load) => _endpoints.TryGetValue(key, out load!);

    /// <summary>Routes with an entry (configured, or with tunnels left).</summary>
    public int RouteEntries => _routes.Count;

    public int ActiveOnRoute(string routeId) => _routes.TryGetValue(routeId, out var route) ? route.Active : 0;

    public IEnumerable<Tunnel> Tunnels => Endpoints.SelectMany(e => e.Tunnels);

    public int Count => Endpoints.Sum(e => e.Active);

    /// <summary>Slots reserved since start: a cheap way to tell whether new connections arrived.</summary>
    public long Reservations => Interlocked.Read(ref _nextId);

    /// <summary>Reserves a slot on an endpoint for a route, within both limits; null when a limit is reached.</summary>
    public Tunnel? TryReserve(string routeId, string endpointKey, int routeLimit = int.MaxValue, int endpointLimit = int.MaxValue)
    {
        if (ReserveOnRoute(routeId, routeLimit) is not { } route)
        {
            return null;
        }

        while (true)
        {
            var endpoint = Endpoint(endpointKey);
            switch (endpoint.TryReserve(endpointLimit))
            {
                case true:
                    var tunnel = new Tunnel(Interlocked.Increment(ref _nextId), routeId, endpoint, route, _options, _time, Clock);
                    endpoint.Add(tunnel);
                    return tunnel;
                case false:
                    route.Release();
                    return null;
                default:
                    continue; // retired under us: take the fresh entry
            }
        }
    }

    private SlotCounter? ReserveOnRoute(string routeId, int limit)
    {
        while (true)
        {
            var route = _routes.GetOrAdd(routeId, static _ => new SlotCounter());
            switch (route.TryReserve(limit))
            {
                case true:
                    return route;
                case false:
                    return null;
                default:
                    _routes.TryRemove(new KeyValuePair<string, SlotCounter>(routeId, route));
                    continue;
            }
        }
    }

    /// <summary>Releases a tunnel's slot; only the first call for a tunnel does anything.</summary>
    public void Release(Tunnel tunnel)
    {
        if (!tunnel.MarkReleased())
        {
            return;
        }

        tunnel.Endpoint.Release(tunnel);
        tunnel.RouteSlots.Release();

        if (_configured is { } configured)
        {
            RetireIfGone(tunnel.Endpoint, configured);
            RetireRouteIfGone(tunnel.RouteId, configured);
        }

        Released?.Invoke(tunnel);
    }

    /// <summary>
    /// The served config's endpoints and routes: entries outside it leave now if empty, or when their last tunnel
    /// ends. Entries inside it stay, even empty (their metric series read 0 rather than vanish).
    /// </summary>
    public void Retain(IEnumerable<string> endpointKeys, IEnumerable<string> routeIds)
    {
        var endpoints = new ConcurrentDictionary<string, byte>(endpointKeys.Select(k => KeyValuePair.Create(k, (byte)0)), StringComparer.Ordinal);
        var configured = new Configured(endpoints, routeIds.ToHashSet(StringComparer.Ordinal));
        _configured = configured;
        foreach (var load in Endpoints)
        {
            RetireIfGone(load, configured);
        }

        foreach (var routeId in _routes.Keys)
        {
            RetireRouteIfGone(routeId, configured);
        }
    }

    /// <summary>
    /// The served config's endpoints changed by these keys alone (its routes did not): keys no route lists any more
    /// leave now if empty, or when their last tunnel ends.
    /// </summary>
    public void RetainChanged(IEnumerable<string> listed, IEnumerable<string> unlisted)
    {
        if (_configured is not { } configured)
        {
            return;
        }

        foreach (var key in listed)
        {
            configured.Endpoints.TryAdd(key, 0);
        }

        foreach (var key in unlisted)
        {
            configured.Endpoints.TryRemove(key, out _);
            if (_endpoints.TryGetValue(key, out var load))
            {
                RetireIfGone(load, configured);
            }
        }
    }

    private void RetireIfGone(EndpointLoad load, Configured configured)
    {
        if (!configured.Endpoints.ContainsKey(load.Key) && load.TryRetire())
        {
            _endpoints.TryRemove(new KeyValuePair<string, EndpointLoad>(load.Key, load));
        }
    }

    private void RetireRouteIfGone(string routeId, Configured configured)
    {
        if (!configured.Routes.Contains(routeId) && _routes.TryGetValue(routeId, out var route) && route.TryRetire())
        {
            _routes.TryRemove(new KeyValuePair<string, SlotCounter>(routeId, route));
        }
    }

    // Endpoints change in place on an endpoint-only apply (read concurrently by Release); routes only with a new record.
    private sealed record Configured(ConcurrentDictionary<string, byte> Endpoints, HashSet<string> Routes);
}
