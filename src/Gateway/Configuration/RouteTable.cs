using System.Collections.Frozen;

namespace Sockway.Gateway.Configuration;

/// <summary>
/// Sockway's per-route settings by YARP route id, read on the request path by the handshake guard and the
/// balancing policies. Swapped whole on each apply, so a reader sees one config or the next, never a mix.
/// </summary>
public sealed class RouteTable
{
    private volatile FrozenDictionary<string, GatewayRoute> _routes = FrozenDictionary<string, GatewayRoute>.Empty;

    public IEnumerable<GatewayRoute> All => _routes.Values;

    public bool TryGet(string routeId, out GatewayRoute route) => _routes.TryGetValue(routeId, out route!);

    // The first route with an id wins: a duplicate id must never fail an apply (it would freeze the config).
    internal void Replace(IEnumerable<GatewayRoute> routes) =>
        _routes = routes.DistinctBy(r => r.Id, StringComparer.Ordinal).ToFrozenDictionary(r => r.Id, StringComparer.Ordinal);
}
