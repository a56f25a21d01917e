using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Hosting;

namespace Sockway.Gateway.Connections;

/// <summary>
/// Wraps the rest of YARP's proxy pipeline (balancing and forwarding) for one request. For a WebSocket the
/// forwarder returns only when the tunnel ends, so the slot reserved at pick time is released here, exactly once.
/// </summary>
internal sealed class TunnelLifetimeMiddleware(RequestDelegate next, ConnectionRegistry registry, IOptions<GatewayOptions> options)
{
    private readonly bool _trackFrames = options.Value.FrameTracking;

    private const string RetryAfterSeconds = "5";

    public async Task InvokeAsync(HttpContext context)
    {
        var feature = new TunnelFeature();
        context.Features.Set(feature);
        if (_trackFrames)
        {
            WrapUpgradeFeatures(context, feature);
        }

        try
        {
            await next(context);
            if (feature.Tunnel is { } open)
            {
                // YARP has handed the upgraded streams over; the tunnel lives until Sockway's pumps end.
                await open.Completion;
            }
        }
        finally
        {
            if (feature.Tunnel is { } tunnel)
            {
                registry.Release(tunnel);
            }
            else if (feature.Failure == BalancingFailure.LimitReached && !context.Response.HasStarted)
            {
                // YARP has answered 503; tell the client when to come back instead of hammering a full route.
                context.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds;
            }
        }
    }

    private static void WrapUpgradeFeatures(HttpContext context, TunnelFeature feature)
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
            context.Features.Set<IHttpUpgradeFeature>(new TrackedUpgradeFeature(upgrade, feature));
        }
    }
}
