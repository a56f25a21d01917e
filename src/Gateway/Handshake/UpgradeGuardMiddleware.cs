using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Drain;
using Sockway.Gateway.Telemetry;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Handshake;

/// <summary>
/// Runs in YARP's proxy pipeline after routing and before balancing: malformed handshakes, foreign origins and
/// plain requests on WebSocket-only routes are answered here, so no backend is ever touched for them.
/// </summary>
internal sealed partial class UpgradeGuardMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RouteTable _routes;
    private readonly GatewayDrainState _drain;
    private readonly ILogger<UpgradeGuardMiddleware> _logger;
    private readonly LogRateLimiter _logLimiter;

    public UpgradeGuardMiddleware(RequestDelegate next, RouteTable routes, GatewayDrainState drain, TimeProvider time, ILogger<UpgradeGuardMiddleware> logger)
    {
        _next = next;
        _routes = routes;
        _drain = drain;
        _logger = logger;
        _logLimiter = new LogRateLimiter(10, time);
    }

    public Task InvokeAsync(HttpContext context)
    {
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        if (!_routes.TryGet(routeId, out var route))
        {
            return _next(context);
        }

        if (!route.SourceRanges.IsAny && !route.SourceRanges.Admits(Forwarded.ClientAddress.Of(context)?.Address ?? context.Connection.RemoteIpAddress))
        {
            return Reject(context, routeId, StatusCodes.Status403Forbidden, "the client address is not allowed on this route", UpgradeOutcome.SourceRejected);
        }

        if (route.RedirectToHttps && !context.Request.IsHttps)
        {
            return RedirectToHttps(context);
        }

        // Inspected once, by the tunnel middleware in front of this one.
        var verdict = context.Features.Get<TunnelFeature>()?.Handshake ?? HandshakeValidator.Inspect(context);
        if (!verdict.IsValid)
        {
            return Reject(context, routeId, verdict.RejectStatus, verdict.Problem!, UpgradeOutcome.BadHandshake, verdict.WrongVersion);
        }

        if (!verdict.IsWebSocket)
        {
            if (!route.AllowPlainHttp)
            {
                return Reject(context, routeId, StatusCodes.Status426UpgradeRequired, "plain HTTP is not allowed on this route", null);
            }

            return route.MaxRequestBodyBytes is { } limit && !LimitBody(context, limit)
                ? Reject(context, routeId, StatusCodes.Status413PayloadTooLarge, $"request body over {limit} bytes", null)
                : _next(context);
        }

        if (_drain.IsDraining)
        {
            context.Response.Headers[HeaderNames.RetryAfter] = "1";
            return Reject(context, routeId, StatusCodes.Status503ServiceUnavailable, "gateway is shutting down; reconnect", UpgradeOutcome.Draining);
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (!OriginMatcher.IsAllowed(route.AllowedOrigins, origin))
        {
            return Reject(context, routeId, StatusCodes.Status403Forbidden, $"origin '{origin}' is not allowed", UpgradeOutcome.OriginRejected);
        }

        return _next(context);
    }

    private static Task RedirectToHttps(HttpContext context)
    {
        var request = context.Request;
        var host = request.Host.HasValue ? request.Host.Host : "localhost";
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = $"https://{host}{request.PathBase}{request.Path}{request.QueryString}";
        return Task.CompletedTask;
    }

    // A declared length over the limit is refused before the backend is touched; a chunked body is cut by Kestrel.
    private static bool LimitBody(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return false;
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        return true;
    }

    private Task Reject(HttpContext context, string routeId, int status, string problem, string? outcome, bool wrongVersion = false)
    {
        if (outcome is not null && context.Features.Get<TunnelFeature>() is { } feature)
        {
            feature.Rejection = outcome;
        }

        if (_logLimiter.TryAcquire(out var suppressed))
        {
            // The client as resolved behind trusted proxies, not a load balancer's address.
            LogRejected(routeId, status, problem, Forwarded.ClientAddress.Of(context)?.Address?.ToString() ?? "unknown", suppressed);
        }

        context.Response.StatusCode = status;
        if (wrongVersion)
        {
            context.Response.Headers[HeaderNames.SecWebSocketVersion] = HandshakeValidator.SupportedVersion;
        }

        // RFC 9110 §15.5.22: a 426 names the protocol to switch to, and Upgrade is only meaningful listed in Connection.
        // HTTP/2 has neither header (RFC 9113 §8.2.2); there the status says it.
        if (status == StatusCodes.Status426UpgradeRequired && HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            context.Response.Headers[HeaderNames.Upgrade] = "websocket";
            context.Response.Headers[HeaderNames.Connection] = "Upgrade";
        }
        else if (status == StatusCodes.Status400BadRequest && !HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            // A client that sent a malformed upgrade is not trusted with the rest of the connection: whatever it
            // pipelined behind it (another request, frame bytes) is never read, let alone sent to a backend.
            context.Response.Headers[HeaderNames.Connection] = "close";
        }

        var body = System.Text.Encoding.UTF8.GetBytes(problem + "\n");
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upgrade rejected on route {RouteId}: {Status} {Problem} from {Client} ({Suppressed} similar lines suppressed since the last)")]
    private partial void LogRejected(string routeId, int status, string problem, string client, long suppressed);
}
