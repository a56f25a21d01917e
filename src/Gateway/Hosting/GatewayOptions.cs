namespace Sockway.Gateway.Hosting;

/// <summary>Data-plane switches.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Sockway:Gateway";

    /// <summary>
    /// Follow WebSocket frame boundaries on both sides of every tunnel (default on). It is what makes graceful
    /// Close frames on drain, shutdown and rebalance possible; off, tunnels are plain byte pipes that can only be cut.
    /// Exists so the benchmark can price it.
    /// </summary>
    public bool FrameTracking { get; set; } = true;

    /// <summary>
    /// Open the backend side of HTTP/1.1 upgrades on a plain socket (default on) rather than through
    /// SocketsHttpHandler, which keeps ~9 KiB per tunnel it can never reuse. Off exists to measure the difference.
    /// </summary>
    public bool PlainSocketUpgrades { get; set; } = true;

    /// <summary>
    /// Comma-separated CIDRs or addresses of proxies in front of Sockway (a cloud load balancer, a CDN) whose
    /// X-Forwarded-For/-Proto/-Host are believed and extended; from any other peer they are replaced. Empty (the
    /// default) trusts nobody.
    /// </summary>
    public string? TrustedProxies { get; set; }

    /// <summary>
    /// Comma-separated CIDRs or addresses of L4 load balancers that send a PROXY protocol (v1 or v2) header first on
    /// every connection of the HTTP and HTTPS listeners. Set, every connection must start with one and come from one of
    /// these sources, or it is closed before any HTTP is read. Empty (the default) reads no PROXY header.
    /// </summary>
    public string? ProxyProtocol { get; set; }

    /// <summary>How long a connection on a PROXY protocol listener may take to send its whole header.</summary>
    public TimeSpan ProxyProtocolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most clients the handshake-rate limits remember at once; past it, those nearest to a full budget are forgotten
    /// first. About 100 bytes each.
    /// </summary>
    public int ClientLimitTableSize { get; set; } = 65_536;

    /// <summary>IPv6 clients are limited per network of this prefix (default 64: one subscriber's allocation); 128 is per address.</summary>
    public int ClientIPv6PrefixLength { get; set; } = 64;
}
