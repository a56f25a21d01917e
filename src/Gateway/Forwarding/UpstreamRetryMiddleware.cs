using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Health;
using Sockway.Gateway.Telemetry;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Forwarding;

/// <summary>
/// Wraps balancing and forwarding for one request. A connect that was refused or timed out is retried once on
/// another available endpoint (as nginx's proxy_next_upstream error timeout): the backend never saw the request, so
/// the user need not see the failure. The failed attempt's slot is released first. A handshake the backend left
/// unanswered is not retried (it may have seen it) and is answered 504 rather than YARP's 502.
/// </summary>
internal sealed partial class UpstreamRetryMiddleware(RequestDelegate next, ConnectionRegistry registry, GatewayMetrics metrics, ILogger<UpstreamRetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var available = proxy.AvailableDestinations;
        await next(context);

        if (context.Response.HasStarted || context.Features.Get<IForwarderErrorFeature>() is not { } error)
        {
            return;
        }

        if (error.Exception is HandshakeTimeoutException)
        {
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
            return;
        }

        if (error.Error != ForwarderError.Request || !ConnectFailureHealthPolicy.IsUnreachable(error.Exception) || HasBody(context.Request)
            || proxy.ProxiedDestination is not { } failed || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var others = available.Where(d => d != failed).ToList();
        var feature = context.Features.Get<TunnelFeature>();
        if (others.Count == 0 || feature?.Tunnel is { OutlivesRequest: true })
        {
            return;
        }

        if (feature?.Tunnel is { } attempt)
        {
            feature.Tunnel = null;
            registry.Release(attempt);
        }

        var routeId = proxy.Route.Config.RouteId;
        metrics.UpstreamRetried(routeId);
        LogRetry(routeId, failed.DestinationId);
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.Clear();
        proxy.AvailableDestinations = others;
        await next(context);
    }

    private static bool HasBody(HttpRequest request) => request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Route {RouteId}: endpoint {Endpoint} unreachable, retrying on another")]
    private partial void LogRetry(string routeId, string endpoint);
}
