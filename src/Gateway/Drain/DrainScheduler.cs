using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Drain;

/// <summary>
/// Closes tunnels at their scheduled moments with Close 1001. One timer loop for all of them, so draining a
/// hundred thousand tunnels costs a heap, not a hundred thousand timers.
/// </summary>
public sealed partial class DrainScheduler : BackgroundService
{
    private readonly PriorityQueue<Tunnel, long> _queue = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly TimeProvider _time;
    private readonly ILogger<DrainScheduler> _logger;

    private readonly TimeSpan _boundaryWait;

    public DrainScheduler(TimeProvider time, IOptions<TunnelOptions> tunnels, ILogger<DrainScheduler> logger)
    {
        _time = time;
        _boundaryWait = tunnels.Value.CloseBoundaryWait;
        _logger = logger;
    }

    /// <summary>
    /// Closes <paramref name="tunnel"/> at a random moment between <paramref name="notBefore"/> × window and the end of
    /// <paramref name="window"/>, so clients don't all reconnect at once. The last boundary wait of the window is kept
    /// free (when that leaves at least half of the spread), so a peer busy mid-frame is still closed within it.
    /// </summary>
    public void ScheduleWithin(Tunnel tunnel, TimeSpan window, GatewayCloseReason reason, double notBefore = 0)
    {
        var total = Math.Max(0, window.Ticks);
        var first = (long)(total * notBefore);
        var last = total - _boundaryWait.Ticks >= first + ((total - first) / 2) ? total - _boundaryWait.Ticks : total;
        var delay = TimeSpan.FromTicks(first + (long)((last - first) * Random.Shared.NextDouble()));
        var due = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        lock (_queue)
        {
            tunnel.DrainDueTicks = due;
            tunnel.DrainReason = reason;
            _queue.Enqueue(tunnel, due);
        }

        Wake();
    }

    /// <summary>Cancels a scheduled close (its endpoint became ready again).</summary>
    public void Cancel(Tunnel tunnel)
    {
        lock (_queue)
        {
            tunnel.DrainDueTicks = 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (_queue)
            {
                wait = _queue.TryPeek(out _, out var due) ? _time.GetElapsedTime(_time.GetTimestamp(), due) : Timeout.InfiniteTimeSpan;
            }

            if (wait != Timeout.InfiniteTimeSpan && wait <= TimeSpan.Zero)
            {
                CloseDue();
                continue;
            }

            try
            {
                await _signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void CloseDue()
    {
        var now = _time.GetTimestamp();
        lock (_queue)
        {
            while (_queue.TryPeek(out var tunnel, out var due) && due <= now)
            {
                _queue.Dequeue();
                // A cancelled or rescheduled entry no longer matches the tunnel's own due time.
                if (tunnel.DrainDueTicks == due)
                {
                    tunnel.DrainDueTicks = 0;
                    var reason = tunnel.DrainReason;
                    LogClosing(tunnel.RouteId, tunnel.EndpointKey, reason);
                    _ = tunnel.CloseAsync(CloseFrame.GoingAway, reason == GatewayCloseReason.Shutdown ? "gateway shutting down" : "endpoint draining", reason);
                }
            }
        }
    }

    private void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing tunnel on route {RouteId} to {Endpoint} ({Reason})")]
    private partial void LogClosing(string routeId, string endpoint, GatewayCloseReason reason);
}
