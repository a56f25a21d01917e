using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Forwarding;
using Sockway.Gateway.Handshake;
using Sockway.Gateway.Tls;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace Sockway.Gateway.Hosting;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>Registers the embedded YARP data plane, fed only through <see cref="GatewayConfigStore"/>.</summary>
    public static IServiceCollection AddSockwayGateway(this IServiceCollection services)
    {
        services.AddSingleton<RouteTable>();
        services.AddSingleton<GatewayConfigStore>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<GatewayConfigStore>());
        services.AddSingleton<CertificateStore>();
        services.AddReverseProxy();
        services.AddSingleton<IForwarderHttpClientFactory, SockwayForwarderHttpClientFactory>();
        services.AddSingleton<ILoadBalancingPolicy, LeastConnectionsPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, PowerOfTwoLeastConnectionsPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, RoundRobinPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, ConsistentHashPolicy>();
        return services;
    }

    /// <summary>Maps the proxy: handshake and origin checks, then balancing, then YARP's forwarder.</summary>
    public static IEndpointConventionBuilder MapSockwayGateway(this IEndpointRouteBuilder endpoints)
    {
        var store = endpoints.ServiceProvider.GetRequiredService<GatewayConfigStore>();
        var certificates = endpoints.ServiceProvider.GetRequiredService<CertificateStore>();
        store.Applied += config => certificates.Load(config.Certificates);
        return endpoints.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<UpgradeGuardMiddleware>();
            pipeline.UseLoadBalancing();
        });
    }
}
