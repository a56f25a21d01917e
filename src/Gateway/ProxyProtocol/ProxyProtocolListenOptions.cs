using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Hosting;
using Sockway.Gateway.Limits;

namespace Sockway.Gateway.ProxyProtocol;

public static class ProxyProtocolListenOptions
{
    /// <summary>
    /// Reads a PROXY protocol header first on this listener when --proxy-protocol lists sources; a no-op otherwise.
    /// Call before UseHttps: the header precedes the TLS ClientHello.
    /// </summary>
    public static ListenOptions UseSockwayProxyProtocol(this ListenOptions listen)
    {
        var services = listen.ApplicationServices;
        var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var sources = GatewayOptionsValidator.ProxyProtocolSourcesOf(options);
        if (sources.IsEmpty)
        {
            return listen;
        }

        var middleware = new ProxyProtocolMiddleware(sources, options.ProxyProtocolTimeout, services.GetRequiredService<EdgeMetrics>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ProxyProtocolMiddleware>>());
        listen.Use(next => connection => middleware.OnConnectionAsync(connection, next));
        return listen;
    }
}
