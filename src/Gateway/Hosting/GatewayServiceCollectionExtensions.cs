using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Balancing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Drain;
using Sockway.Gateway.Forwarded;
using Sockway.Gateway.Forwarding;
using Sockway.Gateway.Handshake;
using Sockway.Gateway.Health;
using Sockway.Gateway.Limits;
using Sockway.Gateway.Listening;
using Sockway.Gateway.Memory;
using Microsoft.AspNetCore.Connections;
using Sockway.Gateway.Telemetry;
using Sockway.Gateway.Tls;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Sockway.Gateway.Hosting;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>Registers the embedded YARP data plane, fed only through <see cref="GatewayConfigStore"/>.</summary>
    public static IServiceCollection AddSockwayGateway(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // Validated at start: a malformed switch (e.g. "PlainSocketUpgrades=yes") must stop start-up, naming the key.
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(sp => GatewayOptionsValidator.TrustedProxiesOf(sp.GetRequiredService<IOptions<GatewayOptions>>().Value));
        services.AddSingleton<RouteTable>();
        services.AddSingleton(sp =>
        {
            var gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            return new ClientLimiter(gateway.ClientLimitTableSize, gateway.ClientIPv6PrefixLength, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<EdgeMetrics>();
        services.AddOptions<TunnelOptions>().BindConfiguration(TunnelOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Sockway.Gateway.Connections.Transport.ITunnelTransport>(sp =>
        {
            var tunnels = sp.GetRequiredService<IOptions<TunnelOptions>>().Value;
            return tunnels.Transport == Sockway.Gateway.Connections.Transport.TunnelTransportKind.Epoll
                ? new Sockway.Gateway.Connections.Transport.EpollTunnelTransport(
                    sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Sockway.Gateway.Connections.Transport.EpollTunnelTransport>>(), tunnels.EpollInlineCompletions, sp.GetRequiredService<TimeProvider>())
                : Sockway.Gateway.Connections.Transport.SocketsTunnelTransport.Instance;
        });
        services.AddSingleton(sp => new ConnectionRegistry(sp.GetRequiredService<IOptions<TunnelOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddMetrics();
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<GatewayDrainState>();
        services.AddOptions<DrainOptions>().BindConfiguration(DrainOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<DrainOptions>>((host, drain) => host.ShutdownTimeout = drain.Value.ShutdownTimeout);
        services.AddSingleton<DrainScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<DrainScheduler>());
        services.AddSingleton<EndpointDrainer>();
        services.AddHostedService<ShutdownDrainer>();
        services.AddHostedService<Rebalancer>();
        services.AddHostedService<IdleSweeper>();
        services.AddHostedService<Sockway.Gateway.Keepalive.KeepaliveSweeper>();
        services.AddOptions<MemoryTrimOptions>().BindConfiguration(MemoryTrimOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<MemoryTrimmer>();
        services.AddSingleton<GatewayConfigStore>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<GatewayConfigStore>());
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<GatewayConfigStore>());
        services.AddSingleton<CertificateStore>();
        // Binds only DetachableEndPoint listeners; Kestrel's socket transport keeps every other one.
        services.AddSingleton<IConnectionListenerFactory, DetachableTransportFactory>();
        services.AddReverseProxy();
        services.AddSingleton<Microsoft.AspNetCore.Routing.MatcherPolicy, Sockway.Gateway.Routing.RoutePrecedencePolicy>();
        services.AddSingleton<ITransformProvider, TunnelTransformProvider>();
        services.AddSingleton<ITransformProvider, ForwardedHeadersTransformProvider>();
        services.AddSingleton<IForwarderHttpClientFactory, SockwayForwarderHttpClientFactory>();
        services.AddSingleton<IPassiveHealthCheckPolicy, ConnectFailureHealthPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, LeastConnectionsPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, PowerOfTwoLeastConnectionsPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, RoundRobinPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, ConsistentHashPolicy>();
        return services;
    }

    /// <summary>Maps the proxy: who the client is, the tunnel's lifetime (and telemetry), handshake and origin checks, per-client limits, the client-close watch of plain requests, one retry of an unreachable endpoint, balancing, then YARP's forwarder.</summary>
    public static IEndpointConventionBuilder MapSockwayGateway(this IEndpointRouteBuilder endpoints)
    {
        var store = endpoints.ServiceProvider.GetRequiredService<GatewayConfigStore>();
        var certificates = endpoints.ServiceProvider.GetRequiredService<CertificateStore>();
        var drainer = endpoints.ServiceProvider.GetRequiredService<EndpointDrainer>();
        var metrics = endpoints.ServiceProvider.GetRequiredService<GatewayMetrics>();
        // Created now, not at the first refusal, so its series are exported (at 0) from the start.
        endpoints.ServiceProvider.GetRequiredService<EdgeMetrics>();
        // Before the config is visible: a handshake for a route's host must find its certificate once the route serves.
        store.Applying += config => certificates.Load(config.Certificates);
        store.RoutesApplied += config =>
        {
            drainer.OnApplied(config);
            metrics.RetainRoutes(config.Routes.Select(r => r.Id).ToHashSet(StringComparer.Ordinal));
        };
        store.EndpointsApplied += drainer.OnEndpointsChanged;
        return endpoints.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<ClientAddressMiddleware>();
            pipeline.UseMiddleware<TunnelLifetimeMiddleware>();
            pipeline.UseMiddleware<UpgradeGuardMiddleware>();
            pipeline.UseMiddleware<ClientLimitMiddleware>();
            pipeline.UseMiddleware<ClientCloseWatchMiddleware>();
            pipeline.UseMiddleware<EndpointSetMiddleware>();
            pipeline.UseMiddleware<UpstreamRetryMiddleware>();
            pipeline.UseMiddleware<BalancingMiddleware>();
            pipeline.UsePassiveHealthChecks();
        });
    }
}
