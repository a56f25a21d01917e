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
}
