using System.Collections.Concurrent;

namespace Sockway.Gateway.Connections;

/// <summary>
/// The live load of one backend endpoint (address:port), shared by every route that uses it and kept across
/// config changes, so a destination that leaves and comes back is not mistaken for an idle one.
/// </summary>
public sealed class EndpointLoad
{
    private readonly ConcurrentDictionary<long, Tunnel> _tunnels = new();
    private int _active;

    internal EndpointLoad(string key) => Key = key;

    public string Key { get; }

    /// <summary>Open connections plus reserved slots (a slot is taken at pick time).</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>When the endpoint last became ready (for slow start); null while it is not ready.</summary>
    public long? ReadySinceTicks { get; internal set; }

    /// <summary>Live view, no snapshot copy: sweeps over every tunnel run often and must not allocate per tunnel.</summary>
    public IEnumerable<Tunnel> Tunnels => _tunnels.Select(pair => pair.Value);

    internal bool TryReserve(int limit)
    {
        if (Interlocked.Increment(ref _active) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _active);
        return false;
    }

    internal void Add(Tunnel tunnel) => _tunnels[tunnel.Id] = tunnel;

    internal void Release(Tunnel tunnel)
    {
        if (_tunnels.TryRemove(tunnel.Id, out _))
        {
            Interlocked.Decrement(ref _active);
        }
    }
}
