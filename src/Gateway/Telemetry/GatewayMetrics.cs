using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Telemetry;

/// <summary>
/// The data plane's metrics. Live figures (open connections, bytes, messages) are read from the connection registry
/// when a scrape asks for them, so the per-message path carries no instrumentation at all; counts of ended tunnels
/// are folded into per-route totals when each tunnel ends. Labels: route, endpoint, outcome, reason — never per client.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly ConnectionRegistry _registry;
    private readonly Counter<long> _upgrades;
    private readonly Counter<long> _closes;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _duration;
    private readonly ConcurrentDictionary<(string Route, string Direction), Totals> _ended = new();
    // Folding an ended tunnel into the totals and a scrape's sum of live tunnels exclude each other: a scrape sees
    // each tunnel either live or folded, never both or neither, so the traffic counters never go backwards.
    private readonly Lock _fold = new();

    public GatewayMetrics(IMeterFactory meters, ConnectionRegistry registry, Microsoft.Extensions.Options.IOptions<TelemetryOptions> options)
    {
        _registry = registry;
        _meter = meters.Create(options.Value.MeterName);
        _upgrades = _meter.CreateCounter<long>("sockway.websocket.upgrades", "{upgrade}", "WebSocket upgrade attempts by outcome.");
        _closes = _meter.CreateCounter<long>("sockway.websocket.closes", "{close}", "Ended WebSocket tunnels by who closed them, why, and the Close code.");
        _retries = _meter.CreateCounter<long>("sockway.upstream.retries", "{retry}", "Requests sent to a second endpoint after the first could not be reached.");
        _duration = _meter.CreateHistogram<double>("sockway.websocket.connection.duration", "s", "Lifetime of WebSocket tunnels.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 5, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400] });
        _meter.CreateObservableGauge("sockway.websocket.connections", ObserveOpen, "{connection}", "Open WebSocket tunnels by route and endpoint.");
        _meter.CreateObservableCounter("sockway.websocket.messages", () => ObserveTraffic(messages: true), "{message}", "WebSocket messages by route and direction.");
        _meter.CreateObservableCounter("sockway.websocket.bytes", () => ObserveTraffic(messages: false), "By", "WebSocket bytes by route and direction.");
    }

    public void UpgradeAttempted(string route, string outcome) =>
        _upgrades.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("outcome", outcome));

    public void UpstreamRetried(string route) => _retries.Add(1, new KeyValuePair<string, object?>("route", route));

    /// <summary>Called once when an upgraded tunnel ends, before its slot is released.</summary>
    public void TunnelEnded(Tunnel tunnel)
    {
        // Folded first: a tunnel that leaves the registry unfolded would take its traffic off the counters.
        lock (_fold)
        {
            if (tunnel.MarkFolded())
            {
                Add(tunnel.RouteId, ToBackend, tunnel.Backend);
                Add(tunnel.RouteId, ToClient, tunnel.Client);
            }
        }

        if (tunnel.IsFramed)
        {
            var end = TunnelEnd.Of(tunnel);
            var route = new KeyValuePair<string, object?>("route", tunnel.RouteId);
            _closes.Add(1, route, new("initiator", end.Initiator), new("reason", end.Reason), new("code", CloseCodes.Label(end.Code)));
            _duration.Record((DateTimeOffset.UtcNow - tunnel.Started).TotalSeconds, route, new("reason", end.Reason));
        }
    }

    /// <summary>Drops the totals of routes gone from the config (their series end; nothing is left to count).</summary>
    public void RetainRoutes(IReadOnlySet<string> routeIds)
    {
        lock (_fold)
        {
            var live = _registry.Tunnels.Select(t => t.RouteId).ToHashSet(StringComparer.Ordinal);
            foreach (var key in _ended.Keys)
            {
                if (!routeIds.Contains(key.Route) && !live.Contains(key.Route))
                {
                    _ended.TryRemove(key, out _);
                }
            }
        }
    }

    private const string ToBackend = "to_backend";
    private const string ToClient = "to_client";

    private void Add(string route, string direction, Framing.TrackedStream? side)
    {
        if (side is null)
        {
            return;
        }

        var totals = _ended.GetOrAdd((route, direction), static _ => new Totals());
        totals.Messages += side.Outgoing.Messages;
        totals.Bytes += side.Outgoing.Bytes;
    }

    private IEnumerable<Measurement<long>> ObserveOpen() => _registry.Tunnels
        .Where(t => t.IsUpgraded)
        .GroupBy(t => (t.RouteId, t.EndpointKey))
        .Select(g => new Measurement<long>(g.Count(), new("route", g.Key.RouteId), new("endpoint", g.Key.EndpointKey)));

    private IEnumerable<Measurement<long>> ObserveTraffic(bool messages)
    {
        var sums = new Dictionary<(string, string), long>();
        lock (_fold)
        {
            foreach (var ((route, direction), totals) in _ended)
            {
                sums[(route, direction)] = messages ? totals.Messages : totals.Bytes;
            }

            foreach (var tunnel in _registry.Tunnels)
            {
                if (tunnel.IsFolded)
                {
                    continue;
                }

                if (tunnel.Backend is { } backend)
                {
                    sums[(tunnel.RouteId, ToBackend)] = sums.GetValueOrDefault((tunnel.RouteId, ToBackend)) + (messages ? backend.Outgoing.Messages : backend.Outgoing.Bytes);
                }

                if (tunnel.Client is { } client)
                {
                    sums[(tunnel.RouteId, ToClient)] = sums.GetValueOrDefault((tunnel.RouteId, ToClient)) + (messages ? client.Outgoing.Messages : client.Outgoing.Bytes);
                }
            }
        }

        return sums.Select(s => new Measurement<long>(s.Value, new("route", s.Key.Item1), new("direction", s.Key.Item2)));
    }

    public void Dispose() => _meter.Dispose();

    private sealed class Totals
    {
        public long Messages;
        public long Bytes;
    }
}
