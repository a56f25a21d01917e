using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sockway.Controller.Leadership;
using Sockway.Controller.Pipeline;
using Sockway.Controller.Sources;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Sources.Kubernetes;
using Sockway.Controller.Status;
using Sockway.Controller.Telemetry;
using Sockway.Gateway.Hosting;
using Sockway.Gateway.Listening;
using Sockway.Gateway.ProxyProtocol;
using System.Net;
using Sockway.Gateway.Tls;

namespace Sockway.Controller.Hosting;

/// <summary>Builds the Sockway process: a source, the pipeline, the embedded gateway and the management port.</summary>
public static class SockwayApp
{
    internal static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--routes"] = DirectorySourceOptions.Section + ":Directory",
        ["--http-port"] = ListenerOptions.Section + ":HttpPort",
        ["--https-port"] = ListenerOptions.Section + ":HttpsPort",
        ["--management-port"] = ListenerOptions.Section + ":ManagementPort",
        ["--bind-address"] = ListenerOptions.Section + ":BindAddress",
        ["--route-class"] = PipelineOptions.Section + ":RouteClassName",
        ["--kubeconfig"] = KubernetesSourceOptions.Section + ":Kubeconfig",
        ["--context"] = KubernetesSourceOptions.Section + ":Context",
        ["--api-server"] = KubernetesSourceOptions.Section + ":ApiServer",
        ["--namespaces"] = KubernetesSourceOptions.Section + ":Namespaces",
        ["--use-endpoints-v1"] = KubernetesSourceOptions.Section + ":UseEndpointsV1",
        ["--ingress-status-address"] = KubernetesSourceOptions.Section + ":IngressStatusAddress",
        ["--ingress-status-service"] = KubernetesSourceOptions.Section + ":IngressStatusService",
        ["--leader-elect"] = LeaderElectionOptions.Section + ":Enabled",
        ["--lease-name"] = LeaderElectionOptions.Section + ":LeaseName",
        ["--lease-namespace"] = LeaderElectionOptions.Section + ":LeaseNamespace",
        ["--status-qps"] = Sockway.Controller.Status.StatusWriteOptions.Section + ":Qps",
        ["--status-burst"] = Sockway.Controller.Status.StatusWriteOptions.Section + ":Burst",
        ["--trusted-proxies"] = Sockway.Gateway.Hosting.GatewayOptions.Section + ":TrustedProxies",
        ["--proxy-protocol"] = Sockway.Gateway.Hosting.GatewayOptions.Section + ":ProxyProtocol",
        ["--log-format"] = "Logging:Console:FormatterName",
        ["--log-level"] = "Logging:LogLevel:Sockway",
        ["--otel-console"] = TelemetryRegistration.ConsoleExporterKey,
    };

    /// <param name="configureServices">Runs first, so its registrations win over TryAdd defaults (tests swap the clock).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        ShippedDefaults.Add(builder.Configuration);
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        ShippedDefaults.AddLogging(builder.Logging, builder.Configuration);
        var services = builder.Services;
        configureServices?.Invoke(services);

        services.AddOptions<ListenerOptions>().BindConfiguration(ListenerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SnapshotPublisher>();
        services.AddSingleton<RouteStatusTable>();
        services.AddSingleton<ConfigPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigPipeline>());
        services.AddSockwayGateway();
        services.AddSockwayTelemetry(builder.Configuration);
        services.AddRouting();
        // YARP registers data protection for session-affinity cookies, which Sockway does not use; keep keys in memory
        // instead of writing a key ring to the user's profile.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.XmlRepository = new InMemoryKeyRepository());
        // Its start-up chatter about unencrypted keys concerns keys that never leave memory here.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", Microsoft.Extensions.Logging.LogLevel.Error);

        // One source feeds the pipeline: a directory of manifests (standalone, --routes) or, by default, the Kubernetes API.
        if (builder.Configuration.GetSection(DirectorySourceOptions.Section).Exists())
        {
            services.AddDirectorySource();
        }
        else
        {
            services.AddKubernetesSource();
        }

        services.AddOptions<SocketTransportOptions>().Configure<IOptions<ListenerOptions>>((transport, listeners) =>
            transport.UnsafePreferInlineScheduling = listeners.Value.InlineScheduling);

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var listeners = kestrel.ApplicationServices.GetRequiredService<IOptions<ListenerOptions>>().Value;
            // Plain-text HTTP/2 needs prior knowledge, which browsers never use; WebSockets over HTTP/2 ride on TLS.
            var plain = listeners.DetachUpgrades ? new DetachableEndPoint(listeners.Address, listeners.HttpPort) : new IPEndPoint(listeners.Address, listeners.HttpPort);
            kestrel.Listen(plain, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.UseSockwayProxyProtocol();
            });
            if (listeners.HttpsPort is { } httpsPort)
            {
                var certificates = kestrel.ApplicationServices.GetRequiredService<CertificateStore>();
                kestrel.Listen(listeners.Address, httpsPort, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2;
                    o.UseSockwayProxyProtocol();
                    o.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, name) => certificates.Select(name) });
                });
            }

            kestrel.Listen(listeners.Address, listeners.ManagementPort, o => o.Use(ListenerKind.TagManagement));
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        // Settings that cannot work fail here, before any listener opens, as one OptionsValidationException (Program
        // prints it as one line) instead of a hosting failure logged with a stack trace.
        app.Services.GetService<IStartupValidator>()?.Validate();
        // Management first and routing after it, so the proxy's routes are never matched on the management port.
        app.MapWhen(ListenerKind.IsManagement, ManagementEndpoints.Map);
        app.UseRouting();
        app.MapSockwayGateway();
        return app;
    }
}
