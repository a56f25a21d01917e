using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;
using Sockway.Gateway.Telemetry;

namespace Sockway.Gateway.Keepalive;

/// <summary>
/// Keepalive for every open WebSocket tunnel, in one sweep every half second (no timer per tunnel): moves the coarse
/// clock on, pings each side that has been silent for its route's interval, and ends a tunnel whose side has not sent
/// a byte within the timeout after its Ping was written (or whose writes stayed stuck that long).
/// </summary>
public sealed partial class KeepaliveSweeper(ConnectionRegistry registry, GatewayMetrics metrics, IOptions<TunnelOptions> options, TimeProvider time,
    ILogger<KeepaliveSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(0.5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Sweep, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = registry.Clock.Advance();
            foreach (var tunnel in registry.Tunnels)
            {
                SweepTunnel(tunnel, now);
            }
        }
    }

    private void SweepTunnel(Tunnel tunnel, int now)
    {
        if (tunnel.Keepalive is not { Enabled: true } keepalive || !tunnel.IsFramed || !tunnel.IsUpgraded || tunnel.IsClosing)
        {
            return;
        }

        var interval = KeepaliveClock.TicksOf(keepalive.Interval);
        var timeout = KeepaliveClock.TicksOf(keepalive.Timeout);
        foreach (var clientSide in (ReadOnlySpan<bool>)[true, false])
        {
            var side = clientSide ? tunnel.Client! : tunnel.Backend!;
            if (SweepSide(tunnel, side, clientSide, now, interval, timeout))
            {
                LogDeadPeer(logger, tunnel.RouteId, clientSide ? "client" : "backend");
                _ = tunnel.CloseDeadPeerAsync(clientSide);
                return;
            }
        }
    }

    /// <summary>True when <paramref name="side"/> is dead.</summary>
    private bool SweepSide(Tunnel tunnel, TrackedStream side, bool clientSide, int now, int interval, int timeout)
    {
        var ping = side.PingTick;
        var heard = side.HeardTick;
        if (ping == 0)
        {
            if (now - heard >= interval)
            {
                _ = side.PingAsync(options.Value.CloseBoundaryWait);
                metrics.PingSent(tunnel.RouteId, clientSide);
            }

            return false;
        }

        if (heard >= ping)
        {
            // It spoke after the Ping: a Pong, or anything else.
            side.ClearPing();
            return false;
        }

        if (now - ping < timeout)
        {
            return false;
        }

        if (side.PingWritten || side.WriteInProgress)
        {
            return true;
        }

        // Never written, yet nothing stuck: the lock came free after the Ping gave up on it. A Ping still pending
        // waits for the other peer to finish its frame (that peer has its own keepalive).
        if (!side.PingPending)
        {
            _ = side.PingAsync(options.Value.CloseBoundaryWait);
        }

        return false;
    }

    [LoggerMessage(EventId = 1120, Level = LogLevel.Debug, Message = "Closing a tunnel on route {RouteId}: its {Peer} did not answer a keepalive Ping in time")]
    private static partial void LogDeadPeer(ILogger logger, string routeId, string peer);
}
