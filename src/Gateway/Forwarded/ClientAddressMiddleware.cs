using Microsoft.AspNetCore.Http;

namespace Sockway.Gateway.Forwarded;

/// <summary>Resolves the request's <see cref="ClientAddress"/> first thing, before anything logs or limits by client.</summary>
internal sealed class ClientAddressMiddleware(RequestDelegate next, TrustedProxies proxies)
{
    public Task InvokeAsync(HttpContext context)
    {
        var forwardedFor = proxies.IsEmpty ? [] : (IReadOnlyList<string>)context.Request.Headers[ForwardedHeaders.For].ToArray()!;
        context.Features.Set(ClientAddress.Resolve(context.Connection.RemoteIpAddress, forwardedFor, proxies));
        return next(context);
    }
}

internal static class ForwardedHeaders
{
    public const string For = "X-Forwarded-For";
    public const string Proto = "X-Forwarded-Proto";
    public const string Host = "X-Forwarded-Host";
    public const string Prefix = "X-Forwarded-Prefix";
    public const string Forwarded = "Forwarded";
}
