using Sockway.Gateway.Balancing;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Sockway.Gateway.Connections;

/// <summary>Hands the request's tunnel to the backend handler, which wraps the backend side of a 101 response.</summary>
internal sealed class TunnelTransformProvider : ITransformProvider
{
    public static readonly HttpRequestOptionsKey<Tunnel> TunnelKey = new("sockway.tunnel");

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddRequestTransform(transform =>
    {
        if (transform.HttpContext.Features.Get<TunnelFeature>() is { Tunnel: { } tunnel } feature)
        {
            transform.ProxyRequest.Options.Set(TunnelKey, tunnel);
            // Only a WebSocket is framed; any other upgrade a route lets through is a plain byte tunnel.
            tunnel.BeginHandshake(framed: feature.Handshake.IsWebSocket);
        }

        return ValueTask.CompletedTask;
    });
}
