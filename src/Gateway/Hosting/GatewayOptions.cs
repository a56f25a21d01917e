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
}
