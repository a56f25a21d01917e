using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sockway.Gateway.Telemetry;

namespace Sockway.Controller.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>
    /// OpenTelemetry for the Sockway meter and activity source, ASP.NET Core and HttpClient: a Prometheus scrape
    /// endpoint always (on the management port), OTLP when the standard OTEL_* variables ask for it.
    /// </summary>
    public static IServiceCollection AddSockwayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ControllerMetrics>();
        var meterName = configuration[$"{TelemetryOptions.Section}:MeterName"] ?? GatewayTelemetry.Name;
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("sockway"))
            .WithMetrics(m => m
                .AddMeter(meterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(t => t
                .AddSource(GatewayTelemetry.Name)
                // A WebSocket's server and client spans would stay open for the tunnel's life (hours, and ~1 KiB of tags
                // each); Sockway's own websocket.upgrade span covers the handshake instead.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsUpgrade(context.Request))
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request => !request.Headers.Contains("Upgrade")));
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])
            || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return services;
    }

    // HTTP/1.1 Upgrade, or HTTP/2 extended CONNECT.
    private static bool IsUpgrade(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Headers.Upgrade.Count > 0 || Microsoft.AspNetCore.Http.HttpMethods.IsConnect(request.Method);
}
