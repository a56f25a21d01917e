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
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])
            || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return services;
    }
}
