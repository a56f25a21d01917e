using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sockway.Gateway.Listening;

/// <summary>
/// For plain requests on the detachable listener (long-polling fallbacks on routes that allow plain HTTP): a client
/// that goes away mid-request aborts it, so the backend's request ends at once instead of when it answers.
/// Requests with a body are left alone: Kestrel reads those itself and sees the end of the stream.
/// </summary>
internal sealed class ClientCloseWatchMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (DetachableConnection.Of(context) is not { } connection
            || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false
            || context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true)
        {
            await next(context);
            return;
        }

        using var stop = new CancellationTokenSource();
        var watch = connection.WatchForClientCloseAsync(stop.Token);
        try
        {
            await next(context);
        }
        finally
        {
            // Over before Kestrel reads the next request on this connection.
            await stop.CancelAsync();
            await watch;
        }
    }
}
