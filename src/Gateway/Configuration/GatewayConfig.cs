namespace Sockway.Gateway.Configuration;

/// <summary>
/// The complete data-plane configuration: what the translator produces and the gateway serves.
/// Immutable; a new instance replaces the old one atomically.
/// </summary>
public sealed record GatewayConfig(
    IReadOnlyList<GatewayRoute> Routes,
    IReadOnlyList<TlsCertificate> Certificates)
{
    public static GatewayConfig Empty { get; } = new([], []);
}

/// <summary>One routable WebSocket route with its backend endpoints and per-route behaviour.</summary>
public sealed record GatewayRoute
{
    /// <summary>Stable, unique id (namespace/name of the source object).</summary>
    public required string Id { get; init; }

    /// <summary>Host names to match; empty matches any host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public required string Path { get; init; }

    public PathMatchType PathType { get; init; } = PathMatchType.Prefix;

    /// <summary>All known endpoints; only <see cref="GatewayEndpoint.Ready"/> ones take new connections.</summary>
    public IReadOnlyList<GatewayEndpoint> Endpoints { get; init; } = [];

    public BalancingSettings Balancing { get; init; } = BalancingSettings.Default;

    /// <summary>Idle timeout for a tunnel; null means none.</summary>
    public TimeSpan? IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Origins allowed to open a WebSocket; empty allows any.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Whether non-upgrade requests are proxied too (otherwise they get 426).</summary>
    public bool AllowPlainHttp { get; init; } = true;

    /// <summary>How long tunnels on an endpoint that left stay open; their Close frames are spread over it.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ConnectionLimits Limits { get; init; } = ConnectionLimits.None;
}

/// <summary>Connection caps; a request over a cap gets 503 with Retry-After.</summary>
public sealed record ConnectionLimits(int? MaxPerEndpoint = null, int? MaxPerRoute = null)
{
    public static ConnectionLimits None { get; } = new();
}

/// <summary>Shedding connections from overloaded endpoints after a scale-up (Close 1012, paced).</summary>
public sealed record RebalanceSettings(int ThresholdPercent, int MaxClosesPercent, TimeSpan Interval)
{
    public static RebalanceSettings Default { get; } = new(120, 1, TimeSpan.FromSeconds(10));
}

public enum PathMatchType
{
    Prefix,
    Exact,
}

/// <summary>A backend endpoint. Not-ready (terminating) endpoints keep open tunnels but get no new ones.</summary>
public sealed record GatewayEndpoint(string Host, int Port, bool Ready = true)
{
    /// <summary>The registry key: address:port, stable across config changes.</summary>
    public string Key => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

public enum BalancingPolicy
{
    LeastConnections,
    PowerOfTwoLeastConnections,
    RoundRobin,
    ConsistentHash,
}

public enum HashKeySource
{
    Header,
    Cookie,
    Query,
}

public sealed record HashKey(HashKeySource Source, string Name);

public sealed record BalancingSettings(BalancingPolicy Policy, HashKey? HashKey = null)
{
    public static BalancingSettings Default { get; } = new(BalancingPolicy.LeastConnections);

    /// <summary>A new endpoint's share ramps up over this window instead of taking every new connection at once.</summary>
    public TimeSpan SlowStart { get; init; } = TimeSpan.Zero;

    /// <summary>ConsistentHash: no endpoint takes more than this percentage of the mean load.</summary>
    public int BoundedLoadPercent { get; init; } = 125;

    /// <summary>Null when rebalancing is off (the default).</summary>
    public RebalanceSettings? Rebalance { get; init; }
}

/// <summary>A server certificate (PEM) for the listed SNI host names (wildcards like *.example.com allowed).</summary>
public sealed record TlsCertificate(string Id, IReadOnlyList<string> Hosts, string CertificatePem, string PrivateKeyPem);
