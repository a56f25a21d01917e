using System.ComponentModel.DataAnnotations;

namespace Sockway.Gateway.Drain;

public sealed class DrainOptions
{
    public const string Section = "Sockway:Drain";

    /// <summary>On shutdown, open tunnels get their Close 1001 spread over this window (keep it under the pod's grace period).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownWindow { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the host may take to stop in all (keep it under the pod's termination grace period).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Drain timeout for tunnels whose route disappeared altogether (routes set their own).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan OrphanedRouteDrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
