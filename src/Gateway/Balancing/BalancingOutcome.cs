using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Balancing;

/// <summary>Why no endpoint was picked, when none was.</summary>
public enum BalancingFailure
{
    None,
    NoEndpoint,
    LimitReached,
}

/// <summary>
/// Per-request feature: the tunnel whose slot the policy reserved (released when the request ends), or why
/// nothing could be reserved.
/// </summary>
public sealed class TunnelFeature
{
    public Tunnel? Tunnel { get; internal set; }

    public BalancingFailure Failure { get; internal set; }

    /// <summary>The request's handshake, inspected once when the request enters the proxy pipeline.</summary>
    internal Handshake.HandshakeVerdict Handshake { get; set; }

    /// <summary>Set when the handshake guard refused the upgrade (an UpgradeOutcome value).</summary>
    public string? Rejection { get; internal set; }
}
