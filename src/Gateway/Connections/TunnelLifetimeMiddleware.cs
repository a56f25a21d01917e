using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Handshake;
using Sockway.Gateway.Telemetry;
using Yarp.ReverseProxy.Model;
using Sockway.Gateway.Hosting;
using Sockway.Gateway.Listening;

namespace Sockway.Gateway.Connections;

/// <summary>
/// Wraps the rest of YARP's proxy pipeline (balancing and forwarding) for one request. For a WebSocket the
/// forwarder returns only when the tunnel ends, so the slot reserved at pick time is released here, exactly once.
/// </summary>
internal sealed class TunnelLifetimeMiddleware(RequestDelegate next, ConnectionRegistry registry, GatewayMetrics metrics, IOptions<GatewayOptions> options, Transport.ITunnelTransport transport)
{
    private readonly bool _trackFrames = options.Value.FrameTracking;

    private const string RetryAfterSeconds = "5";

    public async Task InvokeAsync(HttpContext context)
    {
        var feature = new TunnelFeature { Handshake = HandshakeValidator.Inspect(context) };
        context.Features.Set(feature);
        var isWebSocket = feature.Handshake.IsWebSocket;
        if (_trackFrames)
        {
            WrapUpgradeFeatures(context, feature);
        }

        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        // The span covers the handshake (request → 101 or rejection), not the hours the tunnel may live.
        var activity = isWebSocket ? UpgradeSpan.Start() : null;
        activity?.SetTag("sockway.route", routeId);
        Tunnel? handedOff = null;
        try
        {
            await next(context);
            if (isWebSocket)
            {
                var outcome = Outcome(feature);
                metrics.UpgradeAttempted(routeId, outcome);
                activity?.SetTag("sockway.endpoint", feature.Tunnel?.EndpointKey);
                activity?.SetTag("sockway.outcome", outcome);
                activity?.Stop();
            }

            if (feature.Tunnel is { IsUpgraded: true } open)
            {
                // YARP has handed the upgraded streams over: the tunnel's end, whenever it comes, releases its slot.
                handedOff = open;
                Task ended;
                using (ExecutionContext.SuppressFlow())
                {
                    ended = EndWhenClosedAsync(open);
                }

                // A tunnel that owns the client's socket lets Kestrel finish the request and free what it holds;
                // one still on Kestrel's upgraded stream keeps the request until the pumps end.
                if (!open.OutlivesRequest)
                {
                    await ended;
                }
            }
        }
        finally
        {
            activity?.Dispose();
            if (feature.Tunnel is { } tunnel && tunnel != handedOff)
            {
                if (tunnel.OutlivesRequest)
                {
                    // The client's socket left Kestrel but the backend side never came: nobody else will close it.
                    tunnel.Abort();
                }

                registry.Release(tunnel);
            }
            else if (feature.Failure == BalancingFailure.LimitReached && !context.Response.HasStarted)
            {
                // YARP has answered 503; tell the client when to come back instead of hammering a full route.
                context.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds;
            }
        }
    }

    private async Task EndWhenClosedAsync(Tunnel tunnel)
    {
        try
        {
            await tunnel.Completion;
            metrics.TunnelEnded(tunnel);
        }
        finally
        {
            registry.Release(tunnel);
        }
    }

    private static string Outcome(TunnelFeature feature) => feature switch
    {
        { Rejection: { } rejection } => rejection,
        { Tunnel.IsUpgraded: true } => UpgradeOutcome.Success,
        { Failure: BalancingFailure.LimitReached } => UpgradeOutcome.LimitReached,
        { Failure: BalancingFailure.NoEndpoint } => UpgradeOutcome.NoEndpoint,
        _ => UpgradeOutcome.BackendError,
    };

    private void WrapUpgradeFeatures(HttpContext context, TunnelFeature feature)
    {
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (connect is { IsExtendedConnect: true })
        {
            context.Features.Set<IHttpExtendedConnectFeature>(new TrackedExtendedConnectFeature(connect, feature));
            return;
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true })
        {
            context.Features.Set<IHttpUpgradeFeature>(new TrackedUpgradeFeature(upgrade, feature, DetachableConnection.Of(context), transport));
        }
    }
}
