namespace Sockway.Gateway.Configuration;

/// <summary>
/// Pings a side of a tunnel that has been silent for <see cref="Interval"/>, and ends the tunnel when that side has
/// not answered (sent any bytes) within <see cref="Timeout"/>. A zero interval turns keepalive off.
/// </summary>
/// <param name="CountsAsActivity">True: Sockway's Pings and the Pongs answering them keep a tunnel from its idle timeout.</param>
public sealed record KeepaliveSettings(TimeSpan Interval, TimeSpan Timeout, bool CountsAsActivity = false)
{
    /// <summary>30 s is under the idle timeouts of common NATs and cloud load balancers (60 s and more); a peer that vanished is found within about 45 s.</summary>
    public static KeepaliveSettings Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(15));

    public static KeepaliveSettings Off { get; } = new(TimeSpan.Zero, TimeSpan.Zero);

    public bool Enabled => Interval > TimeSpan.Zero;
}
