namespace Sockway.Gateway.Connections;

/// <summary>
/// A tunnel's life, in order; it only ever moves forward. Reserved: a slot was taken at pick time. Handshaking: the
/// upgrade request went to the backend. Open: both sides upgraded and the pumps run. Closing: a direction ended
/// (a peer left, or Sockway closed it). Closed: both streams are closed and the slot is released.
/// </summary>
public enum TunnelState
{
    Reserved,
    Handshaking,
    Open,
    Closing,
    Closed,
}

/// <summary>Why Sockway itself closed a tunnel (null when a peer closed it).</summary>
public enum GatewayCloseReason
{
    Drain,
    Rebalance,
    Shutdown,
    IdleTimeout,

    /// <summary>Keepalive: a peer did not answer Sockway's Ping in time.</summary>
    DeadPeer,
}
