using System.Collections.Concurrent;

namespace Sockway.Gateway.Connections;

/// <summary>
/// The live load of one backend endpoint (address:port), shared by every route that uses it and kept across
/// config changes while the endpoint is configured or holds tunnels, so a destination that leaves and comes back
/// with tunnels still open is not mistaken for an idle one. An entry that is gone from config and empty is retired.
/// </summary>
public sealed class EndpointLoad
{
    private readonly ConcurrentDictionary<long, Tunnel> _tunnels = new();
    private readonly SlotCounter _slots = new();

    internal EndpointLoad(string key) => Key = key;

    public string Key { get; }

    /// <summary>Open connections plus reserved slots (a slot is taken at pick time).</summary>
    public int Active => _slots.Active;

    /// <summary>When the endpoint last became ready (for slow start); null while it is not ready.</summary>
    public long? ReadySinceTicks { get; internal set; }

    /// <summary>Live view, no snapshot copy: sweeps over every tunnel run often and must not allocate per tunnel.</summary>
    public IEnumerable<Tunnel> Tunnels => _tunnels.Select(pair => pair.Value);

    internal bool IsRetired => _slots.IsRetired;

    /// <summary>False when the limit is reached; null when this entry was retired (the caller takes a fresh one).</summary>
    internal bool? TryReserve(int limit) => _slots.TryReserve(limit);

    /// <summary>Retires the entry if it holds nothing, atomically against reservations.</summary>
    internal bool TryRetire() => _slots.TryRetire();

    internal void Add(Tunnel tunnel) => _tunnels[tunnel.Id] = tunnel;

    internal void Release(Tunnel tunnel)
    {
        if (_tunnels.TryRemove(tunnel.Id, out _))
        {
            _slots.Release();
        }
    }
}
