using Sockway.Gateway.Configuration;

namespace Sockway.Gateway.Limits;

/// <summary>
/// Per-client budgets of every route: open tunnels and handshakes per second. One lock, taken once per handshake
/// (never per message).
/// <para>
/// Handshake rates are a token bucket kept the GCRA way: one timestamp per client, the moment its bucket will be full
/// again. A client whose moment has passed has a full bucket, which is what a missing entry means, so such entries
/// are dropped freely. The table has a hard cap; when it is full of clients still refilling, those nearest to full
/// are evicted first. A flood from many fresh addresses therefore evicts its own entries (each one handshake
/// in debt) before it can evict a client that spent its whole burst: to erase that client's debt an attacker must
/// put more debt than it on every entry of the table (cap × burst handshakes that got through) — by which time the
/// client has earned its budget back anyway.
/// </para>
/// <para>
/// Open-tunnel counts are exact and never evicted (forgetting one would let that client exceed its cap): an entry
/// exists only while its client holds a tunnel, so their number is bounded by the open tunnels themselves.
/// </para>
/// </summary>
public sealed class ClientLimiter
{
    // A full table evicts down to 7/8 of its cap in one pass, so the O(n) pass runs once per cap/8 new clients.
    private const int EvictDivisor = 8;

    private readonly Lock _gate = new();
    private readonly Dictionary<ClientKey, long> _fullAt;
    private readonly Dictionary<ClientKey, int> _open = [];
    private readonly int _capacity;
    private readonly int _ipv6Prefix;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private long[] _scratch = [];

    public ClientLimiter(int capacity, int ipv6PrefixLength, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, EvictDivisor);
        _capacity = capacity;
        _ipv6Prefix = ipv6PrefixLength;
        _time = time;
        _origin = time.GetTimestamp();
        _fullAt = new Dictionary<ClientKey, long>(capacity);
    }

    /// <summary>Clients whose handshake budget is not full (at most the cap).</summary>
    public int RateEntries
    {
        get
        {
            lock (_gate)
            {
                return _fullAt.Count;
            }
        }
    }

    /// <summary>Clients holding at least one tunnel.</summary>
    public int ConnectionEntries
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    public int Capacity => _capacity;

    internal ClientKey KeyOf(string route, System.Net.IPAddress address) => ClientKey.Of(route, address, _ipv6Prefix);

    /// <summary>
    /// Takes a handshake token and, when the route caps open tunnels per client, a tunnel slot (give it back with
    /// <see cref="Release"/>). A refusal says which budget ran out and when to come back.
    /// </summary>
    internal ClientAdmission TryAdmit(ClientKey key, ConnectionLimits limits)
    {
        lock (_gate)
        {
            var open = 0;
            if (limits.MaxPerClient is { } maxOpen && _open.TryGetValue(key, out open) && open >= maxOpen)
            {
                return ClientAdmission.Refused(ClientLimitReason.Connections, TimeSpan.FromSeconds(5));
            }

            if (limits.HandshakesPerSecondPerClient is { } rate && TakeToken(key, rate, limits.HandshakeBurstPerClient ?? rate) is { } wait)
            {
                return ClientAdmission.Refused(ClientLimitReason.HandshakeRate, wait);
            }

            if (limits.MaxPerClient is not null)
            {
                _open[key] = open + 1;
                return ClientAdmission.AdmittedWithSlot;
            }

            return ClientAdmission.Admitted;
        }
    }

    internal void Release(ClientKey key)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(key, out var open))
            {
                if (open <= 1)
                {
                    _open.Remove(key);
                }
                else
                {
                    _open[key] = open - 1;
                }
            }
        }
    }

    // GCRA: each handshake moves the client's full-at moment one interval on; a moment more than (burst - 1)
    // intervals ahead means the bucket is empty. Null when a token was taken, else how long until one is.
    private TimeSpan? TakeToken(ClientKey key, int rate, int burst)
    {
        var now = _time.GetElapsedTime(_origin).Ticks;
        var interval = TimeSpan.TicksPerSecond / rate;
        var fullAt = _fullAt.TryGetValue(key, out var stored) && stored > now ? stored : now;
        var ahead = fullAt - now - (interval * (burst - 1));
        if (ahead > 0)
        {
            return TimeSpan.FromTicks(ahead);
        }

        if (!_fullAt.ContainsKey(key) && _fullAt.Count >= _capacity)
        {
            Evict(now);
        }

        _fullAt[key] = fullAt + interval;
        return null;
    }

    private void Evict(long now)
    {
        foreach (var (key, fullAt) in _fullAt)
        {
            if (fullAt <= now)
            {
                _fullAt.Remove(key);
            }
        }

        var target = _capacity - (_capacity / EvictDivisor);
        if (_fullAt.Count <= target)
        {
            return;
        }

        // Nearest to full first: the (count - target) smallest moments go.
        if (_scratch.Length < _fullAt.Count)
        {
            _scratch = new long[_capacity];
        }

        var count = 0;
        foreach (var fullAt in _fullAt.Values)
        {
            _scratch[count++] = fullAt;
        }

        var moments = _scratch.AsSpan(0, count);
        moments.Sort();
        var excess = count - target;
        var threshold = moments[excess - 1];
        foreach (var (key, fullAt) in _fullAt)
        {
            if (excess > 0 && fullAt <= threshold)
            {
                _fullAt.Remove(key);
                excess--;
            }
        }
    }
}

internal enum ClientLimitReason
{
    None,
    Connections,
    HandshakeRate,
}

internal readonly record struct ClientAdmission(ClientLimitReason Refusal, TimeSpan RetryAfter, bool HoldsSlot)
{
    public static ClientAdmission Admitted => default;

    public static ClientAdmission AdmittedWithSlot => new(ClientLimitReason.None, TimeSpan.Zero, true);

    public bool IsAdmitted => Refusal == ClientLimitReason.None;

    public static ClientAdmission Refused(ClientLimitReason reason, TimeSpan retryAfter) => new(reason, retryAfter, false);
}
