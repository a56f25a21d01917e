using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sockway.Controller.Hosting;
using Sockway.Gateway.Telemetry;

namespace Sockway.Controller.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>Configuration key of --otel-console: print finished spans to stdout.</summary>
    public const string ConsoleExporterKey = TelemetryOptions.Section + ":ConsoleExporter";

    private const string DefaultServiceName = "sockway";

    /// <summary>
    /// OpenTelemetry for the Sockway meter and activity source, ASP.NET Core and HttpClient: a Prometheus scrape
    /// endpoint always (on the management port), OTLP when the standard OTEL_* variables ask for it, the console
    /// exporter for OTEL_TRACES_EXPORTER=console or --otel-console. The resource follows OTEL_SERVICE_NAME and
    /// OTEL_RESOURCE_ATTRIBUTES (read by the SDK); "sockway" is the service name only when neither gives one.
    /// </summary>
    public static IServiceCollection AddSockwayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ControllerMetrics>();
        var meterName = configuration[$"{TelemetryOptions.Section}:MeterName"] ?? GatewayTelemetry.Name;
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                if (!NamesService(configuration))
                {
                    r.AddService(DefaultServiceName, serviceVersion: Version);
                }
            })
            .WithMetrics(m => m
                .AddMeter(meterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        // Spans only when something exports them: a tracer provider without an exporter still samples every
        // request in (an Activity, its tags and the propagation headers parsed per handshake) and drops it.
        if (ExportsTraces(configuration))
        {
            otel.WithTracing(t =>
            {
                t.AddSource(GatewayTelemetry.Name)
                    // A WebSocket's server and client spans would stay open for the tunnel's life (hours, and ~1 KiB of tags
                    // each); Sockway's own websocket.upgrade span covers the handshake instead. Probes and scrapes are not traced.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsUpgrade(context.Request) && !ListenerKind.IsManagement(context))
                    .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request => !request.Headers.Contains("Upgrade"));
                if (WantsConsole(configuration))
                {
                    t.AddConsoleExporter();
                }
            });
        }

        if (OtlpConfigured(configuration, "TRACES") || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return services;
    }

    private static bool OtlpConfigured(IConfiguration configuration, string signal) =>
        !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrEmpty(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);

    private static bool ExportsTraces(IConfiguration configuration) => OtlpConfigured(configuration, "TRACES") || WantsConsole(configuration);

    private static string? Version =>
        typeof(TelemetryRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    // OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES, which wins over the default (the spec's order).
    private static bool NamesService(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"])
        || (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? string.Empty).Split(',').Any(a => a.Split('=')[0].Trim() == "service.name");

    private static bool WantsConsole(IConfiguration configuration) =>
        configuration.GetValue<bool>(ConsoleExporterKey)
        || (configuration["OTEL_TRACES_EXPORTER"] ?? string.Empty).Split(',').Any(e => e.Trim().Equals("console", StringComparison.OrdinalIgnoreCase));

    // HTTP/1.1 Upgrade, or HTTP/2 extended CONNECT.
    private static bool IsUpgrade(HttpRequest request) =>
        request.Headers.Upgrade.Count > 0 || HttpMethods.IsConnect(request.Method);
}
