using System.ComponentModel.DataAnnotations;

namespace Sockway.Gateway.Telemetry;

public sealed class TelemetryOptions
{
    public const string Section = "Sockway:Telemetry";

    /// <summary>
    /// The meter's name (Prometheus: otel_scope_name). Leave it as "Sockway"; several Sockway hosts in one process (tests,
    /// benchmarks) each set their own, because an OpenTelemetry provider picks meters by name process-wide.
    /// </summary>
    [Required]
    public string MeterName { get; set; } = GatewayTelemetry.Name;
}
