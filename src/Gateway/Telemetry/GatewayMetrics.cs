using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sockway.Gateway.Configuration;
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
    private readonly GatewayConfigStore _served;
    private readonly Counter<long> _upgrades;
    private readonly Counter<long> _closes;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _pings;
    private readonly Counter<long> _deadPeers;
    private readonly Histogram<double> _duration;
    private readonly ConcurrentDictionary<(string Route, string Direction), Totals> _ended = new();
    // Folding an ended tunnel into the totals and a scrape's sum of live tunnels exclude each other: a scrape sees
    // each tunnel either live or folded, never both or neither, so the traffic counters never go backwards.
    private readonly Lock _fold = new();

    public GatewayMetrics(IMeterFactory meters, ConnectionRegistry registry, GatewayConfigStore served, Microsoft.Extensions.Options.IOptions<TelemetryOptions> options)
    {
        _registry = registry;
        _served = served;
        _meter = meters.Create(options.Value.MeterName);
        _upgrades = _meter.CreateCounter<long>("sockway.websocket.upgrades", "{upgrade}", "WebSocket upgrade attempts by outcome.");
        _closes = _meter.CreateCounter<long>("sockway.websocket.closes", "{close}", "Ended WebSocket tunnels by who closed them, why, and the Close code.");
        _retries = _meter.CreateCounter<long>("sockway.upstream.retries", "{retry}", "Requests sent to a second endpoint after the first could not be reached.");
        _pings = _meter.CreateCounter<long>("sockway.websocket.pings", "{ping}", "Keepalive Pings Sockway sent, by route and peer.");
        _deadPeers = _meter.CreateCounter<long>("sockway.websocket.dead_peers", "{tunnel}", "Tunnels ended because a peer did not answer a keepalive Ping, by route and peer.");
        _duration = _meter.CreateHistogram<double>("sockway.websocket.connection.duration", "s", "Lifetime of WebSocket tunnels.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 5, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400] });
        _meter.CreateObservableGauge("sockway.websocket.connections", ObserveOpen, "{connection}", "Open WebSocket tunnels by route and endpoint.");
        _meter.CreateObservableCounter("sockway.websocket.messages", () => ObserveTraffic(messages: true), "{message}", "WebSocket messages by route and direction.");
        _meter.CreateObservableCounter("sockway.websocket.bytes", () => ObserveTraffic(messages: false), "By", "WebSocket bytes by route and direction.");
        served.RoutesApplied += SeedUpgrades;
        SeedUpgrades(served.Current);
    }

    // A served route has an upgrade series from the start (0), so rates and "no traffic" panels read 0, not "No data".
    private void SeedUpgrades(GatewayConfig config)
    {
        foreach (var route in config.Routes)
        {
            _upgrades.Add(0, new KeyValuePair<string, object?>("route", route.Id), new KeyValuePair<string, object?>("outcome", UpgradeOutcome.Success));
            if (route.Keepalive.Enabled)
            {
                foreach (var peer in (ReadOnlySpan<string>)["client", "backend"])
                {
                    _pings.Add(0, new("route", route.Id), new("peer", peer));
                    _deadPeers.Add(0, new("route", route.Id), new("peer", peer));
                }
            }
        }
    }

    public void UpgradeAttempted(string route, string outcome) =>
        _upgrades.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("outcome", outcome));

    public void PingSent(string route, bool toClient) =>
        _pings.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("peer", toClient ? "client" : "backend"));

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
            if (tunnel.ClosedBy == GatewayCloseReason.DeadPeer)
            {
                _deadPeers.Add(1, route, new("peer", tunnel.DeadPeerWasClient ? "client" : "backend"));
            }
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

    // Every ready endpoint of every served route reports, holding 0 or more: an empty endpoint is what a balance
    // spread (max/mean) must see after a scale-up. Endpoints no longer served report while tunnels remain on them.
    private IEnumerable<Measurement<long>> ObserveOpen()
    {
        var open = new Dictionary<(string Route, string Endpoint), long>();
        foreach (var route in _served.Current.Routes)
        {
            foreach (var endpoint in route.Endpoints.Where(e => e.Ready))
            {
                open[(route.Id, endpoint.Key)] = 0;
            }
        }

        foreach (var tunnel in _registry.Tunnels.Where(t => t.IsUpgraded))
        {
            open[(tunnel.RouteId, tunnel.EndpointKey)] = open.GetValueOrDefault((tunnel.RouteId, tunnel.EndpointKey)) + 1;
        }

        return open.Select(o => new Measurement<long>(o.Value, new("route", o.Key.Route), new("endpoint", o.Key.Endpoint)));
    }

    private IEnumerable<Measurement<long>> ObserveTraffic(bool messages)
    {
        var sums = new Dictionary<(string, string), long>();
        foreach (var route in _served.Current.Routes)
        {
            sums[(route.Id, ToBackend)] = 0;
            sums[(route.Id, ToClient)] = 0;
        }

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

    public void Dispose()
    {
        _served.RoutesApplied -= SeedUpgrades;
        _meter.Dispose();
    }

    private sealed class Totals
    {
        public long Messages;
        public long Bytes;
    }
}
