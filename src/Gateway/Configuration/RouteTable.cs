using System.Collections.Frozen;
using Sockway.Gateway.Balancing;

namespace Sockway.Gateway.Configuration;

/// <summary>
/// Sockway's per-route settings and endpoints by YARP route id, read on the request path by the handshake guard and
/// the balancing policies. Swapped whole when routes change, so a reader sees one config or the next, never a mix; an
/// endpoint-only change swaps the changed routes alone, each atomically (its settings and endpoints together).
/// </summary>
public sealed class RouteTable
{
    private volatile FrozenDictionary<string, Slot> _routes = FrozenDictionary<string, Slot>.Empty;

    public IEnumerable<GatewayRoute> All => _routes.Values.Select(s => s.Served.Route);

    public bool TryGet(string routeId, out GatewayRoute route)
    {
        var found = _routes.TryGetValue(routeId, out var slot);
        route = found ? slot!.Served.Route : null!;
        return found;
    }

    /// <summary>The route's endpoints that take new connections (empty for a route not served).</summary>
    public EndpointSet EndpointsOf(string routeId) => _routes.TryGetValue(routeId, out var slot) ? slot.Served.Endpoints : EndpointSet.Empty;

    // The first route with an id wins: a duplicate id must never fail an apply (it would freeze the config).
    internal void Replace(IEnumerable<GatewayRoute> routes)
    {
        var previous = _routes;
        var next = new Dictionary<string, Slot>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (!next.ContainsKey(route.Id))
            {
                next[route.Id] = new Slot(Serve(route, previous.GetValueOrDefault(route.Id)?.Served));
            }
        }

        _routes = next.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Swaps one served route for the same route with other endpoints; false if the route is not served.</summary>
    internal bool ReplaceEndpoints(GatewayRoute route)
    {
        if (!_routes.TryGetValue(route.Id, out var slot))
        {
            return false;
        }

        slot.Served = Serve(route, slot.Served);
        return true;
    }

    private static Served Serve(GatewayRoute route, Served? before) => before switch
    {
        not null when ReferenceEquals(before.Route, route) => before,
        not null when before.Route.Endpoints.SequenceEqual(route.Endpoints) => before with { Route = route },
        _ => new Served(route, EndpointSet.For(route.Endpoints, before?.Endpoints)),
    };

    private sealed record Served(GatewayRoute Route, EndpointSet Endpoints);

    private sealed class Slot(Served served)
    {
        private volatile Served _served = served;

        public Served Served
        {
            get => _served;
            set => _served = value;
        }
    }
}
