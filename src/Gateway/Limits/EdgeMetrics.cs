using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Telemetry;

namespace Sockway.Gateway.Limits;

/// <summary>
/// Refusals at the edge, before any backend is chosen: per-client limits by route and reason, and connections closed
/// by the PROXY protocol reader by reason. The meter factory hands every caller of one name the same meter, so these
/// export beside <see cref="GatewayMetrics"/>.
/// </summary>
public sealed class EdgeMetrics
{
    public const string ConnectionsPerClient = "connections_per_client";
    public const string HandshakesPerClient = "handshakes_per_client";

    private readonly Counter<long> _limited;
    private readonly Counter<long> _proxyRejected;

    private static readonly string[] ProxyReasons =
    [
        ProxyProtocol.ProxyRejection.UntrustedSource, ProxyProtocol.ProxyRejection.Missing, ProxyProtocol.ProxyRejection.Malformed,
        ProxyProtocol.ProxyRejection.TooLong, ProxyProtocol.ProxyRejection.Truncated, ProxyProtocol.ProxyRejection.Timeout,
    ];

    public EdgeMetrics(IMeterFactory meters, IOptions<TelemetryOptions> options, ClientLimiter limiter, Configuration.GatewayConfigStore served)
    {
        var meter = meters.Create(options.Value.MeterName);
        _limited = meter.CreateCounter<long>("sockway.limits.rejections", "{handshake}", "WebSocket handshakes refused with 429 by a per-client limit, by route and reason.");
        _proxyRejected = meter.CreateCounter<long>("sockway.proxy_protocol.rejections", "{connection}", "Connections closed by the PROXY protocol reader before any HTTP, by reason.");
        meter.CreateObservableGauge("sockway.limits.clients", () => new Measurement<long>[]
        {
            new(limiter.RateEntries, new KeyValuePair<string, object?>("table", "handshake_rate")),
            new(limiter.ConnectionEntries, new KeyValuePair<string, object?>("table", "open_connections")),
        }, "{client}", "Clients tracked by the per-client limits (the handshake-rate table is capped).");

        // Every series starts at 0, so rates and panels read 0 rather than "No data" before the first refusal.
        foreach (var reason in ProxyReasons)
        {
            ProxyRejected(reason, 0);
        }

        served.RoutesApplied += SeedRoutes;
        SeedRoutes(served.Current);
    }

    private void SeedRoutes(Configuration.GatewayConfig config)
    {
        foreach (var route in config.Routes)
        {
            Limited(route.Id, ClientLimitReason.Connections, 0);
            Limited(route.Id, ClientLimitReason.HandshakeRate, 0);
        }
    }

    internal void Limited(string route, ClientLimitReason reason, long count = 1) => _limited.Add(count,
        new KeyValuePair<string, object?>("route", route),
        new KeyValuePair<string, object?>("reason", reason == ClientLimitReason.Connections ? ConnectionsPerClient : HandshakesPerClient));

    internal void ProxyRejected(string reason, long count = 1) => _proxyRejected.Add(count, new KeyValuePair<string, object?>("reason", reason));
}
