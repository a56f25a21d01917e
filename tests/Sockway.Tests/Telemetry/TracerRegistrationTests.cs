using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Sockway.Controller.Telemetry;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>
/// Spans cost CPU on every handshake even when dropped (issue 17): a tracer provider exists only when something
/// exports what it records — an OTLP endpoint or the console exporter — and then always.
/// </summary>
public sealed class TracerRegistrationTests
{
    [Fact]
    public void No_tracer_provider_when_nothing_exports_spans()
    {
        using var provider = Build([]);

        Assert.Null(provider.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces")]
    [InlineData("OTEL_TRACES_EXPORTER", "console")]
    [InlineData("OTEL_TRACES_EXPORTER", "otlp,console")]
    [InlineData(TelemetryRegistration.ConsoleExporterKey, "true")]
    public void A_tracer_provider_when_spans_are_exported(string key, string value)
    {
        using var provider = Build([new(key, value)]);

        Assert.NotNull(provider.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "")]
    [InlineData("OTEL_TRACES_EXPORTER", "none")]
    [InlineData(TelemetryRegistration.ConsoleExporterKey, "false")]
    public void Empty_or_negative_settings_export_nothing(string key, string value)
    {
        using var provider = Build([new(key, value)]);

        Assert.Null(provider.GetService<TracerProvider>());
    }

    private static ServiceProvider Build(KeyValuePair<string, string?>[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSockwayTelemetry(configuration);
        return services.BuildServiceProvider();
    }
}
