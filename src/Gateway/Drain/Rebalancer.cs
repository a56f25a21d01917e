using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Drain;

/// <summary>
/// For routes with balancing.rebalance: while max/mean open WebSockets across ready endpoints is above the threshold
/// (after a scale-up, say), sheds tunnels from the most loaded endpoints with Close 1012 (Service Restart) at a bounded
/// pace, so reconnecting clients land on the emptier endpoints. Off by default.
/// </summary>
public sealed partial class Rebalancer : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly RouteTable _routes;
    private readonly ConnectionRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ILogger<Rebalancer> _logger;
    private readonly Dictionary<string, long> _lastShed = new(StringComparer.Ordinal);

    public Rebalancer(RouteTable routes, ConnectionRegistry registry, TimeProvider time, ILogger<Rebalancer> logger)
    {
        _routes = routes;
        _registry = registry;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var route in _routes.All)
            {
                if (route.Balancing.Rebalance is { } settings && Due(route.Id, settings.Interval))
                {
                    Rebalance(route, settings);
                }
            }
        }
    }

    private bool Due(string routeId, TimeSpan interval) =>
        !_lastShed.TryGetValue(routeId, out var last) || _time.GetElapsedTime(last) >= interval;

    private void Rebalance(GatewayRoute route, RebalanceSettings settings)
    {
        var open = route.Endpoints.Where(e => e.Ready)
            .Select(e => _registry.Endpoint(e.Key).Tunnels.Where(t => t.RouteId == route.Id && t.IsUpgraded && !t.IsClosing).ToList())
            .ToList();
        // Planned load: a shed client is expected to reconnect to the least loaded endpoint.
        var load = open.Select(t => t.Count).ToArray();
        var total = load.Sum();
        if (open.Count < 2 || total == 0)
        {
            return;
        }

        var budget = Math.Max(1, total * settings.MaxClosesPercent / 100);
        var shed = 0;
        while (shed < budget)
        {
            var busiest = Array.IndexOf(load, load.Max());
            // max/mean above threshold, in integers: max * n * 100 > threshold * total.
            if ((long)load[busiest] * load.Length * 100 <= (long)settings.ThresholdPercent * total || open[busiest].Count == 0)
            {
                break;
            }

            // The newest tunnel: the one with the least session to lose.
            var victim = open[busiest].MaxBy(t => t.Started)!;
            open[busiest].Remove(victim);
            load[busiest]--;
            load[Array.IndexOf(load, load.Min())]++;
            shed++;
            _ = victim.CloseAsync(CloseFrame.ServiceRestart, "rebalancing", GatewayCloseReason.Rebalance);
        }

        if (shed > 0)
        {
            _lastShed[route.Id] = _time.GetTimestamp();
            LogShed(route.Id, shed, load.Max(), total);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalancing route {RouteId}: closed {Count} tunnel(s) with 1012; busiest endpoint planned at {Max} of {Total}")]
    private partial void LogShed(string routeId, int count, int max, int total);
}
