using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Drain;

/// <summary>
/// Closes tunnels that moved no bytes either way for their route's idle timeout, with Close 1001. One sweep a
/// second over all tunnels instead of a timer re-armed on every message.
/// </summary>
public sealed class IdleSweeper(ConnectionRegistry registry) : BackgroundService
{
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(0.5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Sweep);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var tunnel in registry.Tunnels)
            {
                if (tunnel.IdleTimeout is { } idle && tunnel.IsUpgraded && !tunnel.IsClosing
                    && Stopwatch.GetElapsedTime(tunnel.LastActivity, now) >= idle)
                {
                    _ = tunnel.CloseAsync(CloseFrame.GoingAway, "idle timeout", GatewayCloseReason.IdleTimeout);
                }
            }
        }
    }
}
