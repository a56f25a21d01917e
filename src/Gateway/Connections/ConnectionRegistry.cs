using System.Collections.Concurrent;

namespace Sockway.Gateway.Connections;

/// <summary>
/// Every open proxied connection by endpoint and route, with the counts the balancing policies read. Slots are
/// reserved when a policy picks an endpoint, so a burst of simultaneous upgrades sees its own earlier picks.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, EndpointLoad> _endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _routes = new(StringComparer.Ordinal);
    private long _nextId;

    /// <summary>Raised when a tunnel ends (after its slot is released).</summary>
    public event Action<Tunnel>? Released;

    public EndpointLoad Endpoint(string key) => _endpoints.GetOrAdd(key, static k => new EndpointLoad(k));

    public IEnumerable<EndpointLoad> Endpoints => _endpoints.Values;

    public int ActiveOnRoute(string routeId) => _routes.TryGetValue(routeId, out var box) ? Volatile.Read(ref box.Value) : 0;

    public IEnumerable<Tunnel> Tunnels => _endpoints.Values.SelectMany(e => e.Tunnels);

    public int Count => _endpoints.Values.Sum(e => e.Active);

    /// <summary>Slots reserved since start: a cheap way to tell whether new connections arrived.</summary>
    public long Reservations => Interlocked.Read(ref _nextId);

    /// <summary>Reserves a slot on an endpoint for a route, within both limits; null when a limit is reached.</summary>
    public Tunnel? TryReserve(string routeId, string endpointKey, int routeLimit = int.MaxValue, int endpointLimit = int.MaxValue)
    {
        var route = _routes.GetOrAdd(routeId, static _ => new StrongBox());
        if (Interlocked.Increment(ref route.Value) > routeLimit)
        {
            Interlocked.Decrement(ref route.Value);
            return null;
        }

        var endpoint = Endpoint(endpointKey);
        if (!endpoint.TryReserve(endpointLimit))
        {
            Interlocked.Decrement(ref route.Value);
            return null;
        }

        var tunnel = new Tunnel(Interlocked.Increment(ref _nextId), routeId, endpoint);
        endpoint.Add(tunnel);
        return tunnel;
    }

    public void Release(Tunnel tunnel)
    {
        tunnel.Endpoint.Release(tunnel);
        if (_routes.TryGetValue(tunnel.RouteId, out var route))
        {
            Interlocked.Decrement(ref route.Value);
        }

        Released?.Invoke(tunnel);
    }

    private sealed class StrongBox
    {
        public int Value;
    }
}
