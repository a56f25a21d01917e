using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Sockway.Controller.Hosting;

/// <summary>Where Sockway listens. Port 0 picks a free port (tests).</summary>
public sealed class ListenerOptions : IValidatableObject
{
    public const string Section = "Sockway:Listeners";

    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Plain HTTP (ws://) listener; always on.</summary>
    [Range(0, 65535)]
    public int HttpPort { get; set; } = 8080;

    /// <summary>HTTPS (wss://, HTTP/2 extended CONNECT) listener; off unless set. Certificates come from routes' tls.secretName.</summary>
    [Range(0, 65535)]
    public int? HttpsPort { get; set; }

    /// <summary>Health, readiness, route status and metrics; kept off the proxy port.</summary>
    [Range(0, 65535)]
    public int ManagementPort { get; set; } = 9090;

    /// <summary>
    /// Run Kestrel's socket continuations on the I/O thread instead of queueing them to the thread pool (default on).
    /// A tunnel's work per message is a few non-blocking calls, so the hop costs more than it protects: with it off,
    /// Sockway used ~20% more CPU per echoed message (docs/benchmarks.md). Turn off only if a custom middleware blocks.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// Let a WebSocket on the plain listener leave Kestrel once its handshake is done (default on): the tunnel then
    /// moves bytes between two bare sockets, and Kestrel's per-request state is freed instead of being held for the
    /// tunnel's life. Off keeps every connection in Kestrel (it exists to measure the difference).
    /// </summary>
    public bool DetachUpgrades { get; set; } = true;

    public IPAddress Address => IPAddress.Parse(BindAddress);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return new ValidationResult($"'{BindAddress}' is not an IP address", [nameof(BindAddress)]);
        }

        var ports = new[] { (int?)HttpPort, HttpsPort, ManagementPort }.Where(p => p is > 0).ToList();
        if (ports.Distinct().Count() != ports.Count)
        {
            yield return new ValidationResult("HTTP, HTTPS and management ports must differ", [nameof(HttpPort), nameof(HttpsPort), nameof(ManagementPort)]);
        }
    }
}
