using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Sockway.Gateway.Forwarded;

/// <summary>
/// Replaces YARP's X-Forwarded-* defaults. From a trusted proxy the chain is kept and extended (X-Forwarded-For gets
/// the peer appended; Proto and Host are kept when the proxy sent them); from anyone else whatever the client wrote is
/// dropped and replaced with what Sockway saw, so a client cannot pose as another address, scheme or host.
/// </summary>
internal sealed class ForwardedHeadersTransformProvider : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.UseDefaultForwarders = false;
        context.AddRequestTransform(static transform =>
        {
            var http = transform.HttpContext;
            var trusted = ClientAddress.Of(http)?.ViaTrustedProxy == true;
            var peer = http.Connection.RemoteIpAddress is { } address ? TrustedProxies.Normalize(address).ToString() : null;

            var chain = RequestTransform.TakeHeader(transform, ForwardedHeaders.For);
            var forwardedFor = trusted && !StringValues.IsNullOrEmpty(chain) ? string.Join(", ", chain.Where(v => !string.IsNullOrWhiteSpace(v))) + (peer is null ? string.Empty : ", " + peer) : peer;
            Set(transform, ForwardedHeaders.For, forwardedFor);
            Set(transform, ForwardedHeaders.Proto, Keep(transform, ForwardedHeaders.Proto, trusted) ?? http.Request.Scheme);
            Set(transform, ForwardedHeaders.Host, Keep(transform, ForwardedHeaders.Host, trusted) ?? http.Request.Host.Value);
            Set(transform, ForwardedHeaders.Prefix, Keep(transform, ForwardedHeaders.Prefix, trusted));
            Set(transform, ForwardedHeaders.Forwarded, Keep(transform, ForwardedHeaders.Forwarded, trusted));
            return ValueTask.CompletedTask;
        });
    }

    private static string? Keep(RequestTransformContext transform, string name, bool trusted)
    {
        var value = RequestTransform.TakeHeader(transform, name);
        return trusted && !StringValues.IsNullOrEmpty(value) ? value.ToString() : null;
    }

    private static void Set(RequestTransformContext transform, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            RequestTransform.AddHeader(transform, name, value);
        }
    }
}
