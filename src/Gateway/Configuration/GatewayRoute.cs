namespace Sockway.Gateway.Configuration;

/// <summary>One routable WebSocket route with its backend endpoints and per-route behaviour.</summary>
public sealed record GatewayRoute
{
    /// <summary>Stable, unique id (namespace/name of the source object).</summary>
    public required string Id { get; init; }

    /// <summary>Host names to match; empty matches any host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public required string Path { get; init; }

    public PathMatchType PathType { get; init; } = PathMatchType.Prefix;

    /// <summary>Request headers that must all be present with these exact values (names case-insensitive).</summary>
    public IReadOnlyList<HeaderMatch> Headers { get; init; } = [];

    /// <summary>All known endpoints; only <see cref="GatewayEndpoint.Ready"/> ones take new connections.</summary>
    public IReadOnlyList<GatewayEndpoint> Endpoints { get; init; } = [];

    public BalancingSettings Balancing { get; init; } = BalancingSettings.Default;

    /// <summary>Idle timeout for a tunnel; null means none.</summary>
    public TimeSpan? IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>From the start of the connect to the backend's 101 (or refusal); past it the client gets 504.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Origins allowed to open a WebSocket; empty allows any.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Whether non-upgrade requests are proxied too (otherwise they get 426).</summary>
    public bool AllowPlainHttp { get; init; } = true;

    /// <summary>How long tunnels on an endpoint that left stay open; their Close frames are spread over it.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ConnectionLimits Limits { get; init; } = ConnectionLimits.None;

    public KeepaliveSettings Keepalive { get; init; } = KeepaliveSettings.Default;

    public MessageLimits MessageLimits { get; init; } = MessageLimits.None;

    /// <summary>Which client addresses may use the route; others get 403 before any backend is touched.</summary>
    public SourceRanges SourceRanges { get; init; } = SourceRanges.Any;

    /// <summary>Requests that did not come over TLS get 308 to the same URL with https://.</summary>
    public bool RedirectToHttps { get; init; }

    /// <summary>Plain HTTP request bodies larger than this get 413; null leaves Kestrel's limit.</summary>
    public long? MaxRequestBodyBytes { get; init; }

    /// <summary>
    /// True when <paramref name="other"/> differs from this route in its endpoints alone (lists compared by content: a
    /// re-resolved route carries new list instances).
    /// </summary>
    public bool DiffersOnlyInEndpoints(GatewayRoute other) =>
        this with { Endpoints = other.Endpoints, Hosts = other.Hosts, Headers = other.Headers, AllowedOrigins = other.AllowedOrigins, SourceRanges = other.SourceRanges } == other
        && Hosts.SequenceEqual(other.Hosts)
        && Headers.SequenceEqual(other.Headers)
        && AllowedOrigins.SequenceEqual(other.AllowedOrigins)
        && SourceRanges.Allowed.SequenceEqual(other.SourceRanges.Allowed)
        && SourceRanges.Denied.SequenceEqual(other.SourceRanges.Denied);
}

/// <summary>Client address filter: an address in <see cref="Denied"/>, or outside a non-empty <see cref="Allowed"/>, is refused.</summary>
public sealed record SourceRanges(IReadOnlyList<System.Net.IPNetwork> Allowed, IReadOnlyList<System.Net.IPNetwork> Denied)
{
    public static SourceRanges Any { get; } = new([], []);

    public bool IsAny => Allowed.Count == 0 && Denied.Count == 0;

    public bool Admits(System.Net.IPAddress? address)
    {
        if (IsAny)
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; ranges are written as a.b.c.d/n.
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return !Denied.Any(n => n.Contains(plain)) && (Allowed.Count == 0 || Allowed.Any(n => n.Contains(plain)));
    }
}

/// <summary>
/// Connection caps; a request over a route or endpoint cap gets 503 with Retry-After. The per-client ones (open tunnels,
/// handshakes per second with a burst) are per route and per client address, and answer 429 with Retry-After.
/// </summary>
public sealed record ConnectionLimits(int? MaxPerEndpoint = null, int? MaxPerRoute = null)
{
    public int? MaxPerClient { get; init; }

    public int? HandshakesPerSecondPerClient { get; init; }

    /// <summary>Handshakes a client may make at once before the rate applies; null means one second's worth.</summary>
    public int? HandshakeBurstPerClient { get; init; }

    public bool LimitsClients => MaxPerClient is not null || HandshakesPerSecondPerClient is not null;

    public static ConnectionLimits None { get; } = new();
}

public enum PathMatchType
{
    Prefix,
    Exact,
}

/// <summary>An exact header match: the request must carry the header with exactly this value.</summary>
public sealed record HeaderMatch(string Name, string Value);

/// <summary>A backend endpoint. Not-ready (terminating) endpoints keep open tunnels but get no new ones.</summary>
/// <param name="Weight">Its share of new connections relative to the route's other endpoints (1 = even; 0 = none):
/// the balancer compares open connections divided by weight.</param>
public sealed record GatewayEndpoint(string Host, int Port, bool Ready = true, double Weight = 1)
{
    /// <summary>The registry key: address:port, stable across config changes.</summary>
    public string Key => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
