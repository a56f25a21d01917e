using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Forwarded;
using Sockway.Gateway.Telemetry;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Limits;

/// <summary>
/// Per-client limits of a route (open tunnels, handshakes per second), after the handshake guard and before any
/// endpoint is picked, so a refused client never reaches a backend. Applies to WebSocket handshakes only.
/// The client is the resolved <see cref="ClientAddress"/> (PROXY protocol, then trusted X-Forwarded-For).
/// <para>
/// Over a limit is 429, not 503: it is this client that must slow down, while the route serves everyone else.
/// A 503 says the service is unavailable, which load balancers and retrying proxies act on (retry elsewhere,
/// mark the gateway unhealthy) — the opposite of what a client over its own budget should cause.
/// </para>
/// </summary>
internal sealed partial class ClientLimitMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RouteTable _routes;
    private readonly ClientLimiter _limiter;
    private readonly EdgeMetrics _metrics;
    private readonly ILogger<ClientLimitMiddleware> _logger;
    private readonly LogRateLimiter _logLimiter;

    public ClientLimitMiddleware(RequestDelegate next, RouteTable routes, ClientLimiter limiter, EdgeMetrics metrics, TimeProvider time, ILogger<ClientLimitMiddleware> logger)
    {
        _next = next;
        _routes = routes;
        _limiter = limiter;
        _metrics = metrics;
        _logger = logger;
        _logLimiter = new LogRateLimiter(10, time);
    }

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<TunnelFeature>();
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        if (feature?.Handshake.IsWebSocket != true || !_routes.TryGet(routeId, out var route) || !route.Limits.LimitsClients
            || ClientAddress.Of(context)?.Address is not { } client)
        {
            return _next(context);
        }

        var key = _limiter.KeyOf(routeId, client);
        var admission = _limiter.TryAdmit(key, route.Limits);
        if (!admission.IsAdmitted)
        {
            return Refuse(context, feature, routeId, client, admission);
        }

        return admission.HoldsSlot ? HoldSlotAsync(context, feature, key) : _next(context);
    }

    // The slot is the tunnel's for its whole life, which may outlast this request (a detached tunnel).
    private async Task HoldSlotAsync(HttpContext context, TunnelFeature feature, ClientKey key)
    {
        var handedOver = false;
        try
        {
            await _next(context);
            if (feature.Tunnel is { IsUpgraded: true } tunnel)
            {
                handedOver = true;
                _ = ReleaseWhenEndedAsync(tunnel, key);
            }
        }
        finally
        {
            if (!handedOver)
            {
                _limiter.Release(key);
            }
        }
    }

    private async Task ReleaseWhenEndedAsync(Connections.Tunnel tunnel, ClientKey key)
    {
        try
        {
            await tunnel.Completion.ConfigureAwait(false);
        }
        catch
        {
            // However the tunnel ended, its slot is free.
        }
        finally
        {
            _limiter.Release(key);
        }
    }

    private Task Refuse(HttpContext context, TunnelFeature feature, string routeId, System.Net.IPAddress client, ClientAdmission admission)
    {
        feature.Rejection = UpgradeOutcome.ClientLimited;
        _metrics.Limited(routeId, admission.Refusal);
        var problem = admission.Refusal == ClientLimitReason.Connections
            ? "too many open connections from this client on this route"
            : "too many handshakes from this client on this route";
        if (_logLimiter.TryAcquire(out var suppressed))
        {
            LogLimited(routeId, problem, client.ToString(), suppressed);
        }

        var seconds = Math.Max(1, (long)Math.Ceiling(admission.RetryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        var body = System.Text.Encoding.UTF8.GetBytes(problem + "\n");
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upgrade rejected on route {RouteId}: 429 {Problem} from {Client} ({Suppressed} similar lines suppressed since the last)")]
    private partial void LogLimited(string routeId, string problem, string client, long suppressed);
}
