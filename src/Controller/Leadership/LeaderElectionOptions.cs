using System.ComponentModel.DataAnnotations;

namespace Sockway.Controller.Leadership;

/// <summary>
/// Which replica writes status and Events. Every replica serves traffic; only the holder of the Lease talks back
/// to the API server, so replicas never fight over a route's status.
/// </summary>
public sealed class LeaderElectionOptions : IValidatableObject
{
    public const string Section = "Sockway:LeaderElection";

    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>Off only for a single replica that should always write status.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The Lease's name; empty means "sockway-&lt;route class&gt;", so installs of different classes elect separately.</summary>
    [RegularExpression("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$")]
    public string? LeaseName { get; set; }

    /// <summary>The Lease's namespace; empty means POD_NAMESPACE, then the service account's namespace, then "default".</summary>
    [RegularExpression("^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$")]
    public string? LeaseNamespace { get; set; }

    /// <summary>This replica's name in the Lease; empty means POD_NAME (or the host name) plus a random suffix.</summary>
    public string? Identity { get; set; }

    /// <summary>How long followers wait, after the last renewal they saw, before taking over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it stops acting as leader.</summary>
    [Range(typeof(TimeSpan), "00:00:00.300", "00:10:00")]
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire, and the leader renews.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On a graceful stop, give the Lease up so another replica leads at once instead of after LeaseDuration.</summary>
    public bool ReleaseOnShutdown { get; set; } = true;

    public string ResolveLeaseName(string routeClassName) => string.IsNullOrEmpty(LeaseName) ? $"sockway-{routeClassName}" : LeaseName;

    public string ResolveLeaseNamespace()
    {
        if (!string.IsNullOrEmpty(LeaseNamespace))
        {
            return LeaseNamespace;
        }

        if (Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } podNamespace)
        {
            return podNamespace;
        }

        return File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : "default";
    }

    public string ResolveIdentity()
    {
        if (!string.IsNullOrEmpty(Identity))
        {
            return Identity;
        }

        var host = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName;
        // The suffix keeps two processes on one host (or a restarted pod) from being mistaken for each other.
        return $"{host}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RenewDeadline >= LeaseDuration)
        {
            yield return new ValidationResult("RenewDeadline must be shorter than LeaseDuration", [nameof(RenewDeadline), nameof(LeaseDuration)]);
        }

        if (RetryPeriod >= RenewDeadline)
        {
            yield return new ValidationResult("RetryPeriod must be shorter than RenewDeadline", [nameof(RetryPeriod), nameof(RenewDeadline)]);
        }
    }
}
