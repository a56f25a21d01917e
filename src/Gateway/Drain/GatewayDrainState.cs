namespace Sockway.Gateway.Drain;

/// <summary>Whether the gateway is shutting down: not ready, no new upgrades, open tunnels being closed.</summary>
public sealed class GatewayDrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    internal void Begin() => _draining = true;
}
