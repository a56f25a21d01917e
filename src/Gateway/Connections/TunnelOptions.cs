using System.ComponentModel.DataAnnotations;
using Sockway.Gateway.Connections.Transport;

namespace Sockway.Gateway.Connections;

/// <summary>How long a tunnel being closed waits on its peers (section Sockway:Tunnels).</summary>
public sealed class TunnelOptions : IValidatableObject
{
    public const string Section = "Sockway:Tunnels";

    /// <summary>
    /// How long a Close waits for a peer's writer to reach a frame boundary (or for a stuck write to move). A peer
    /// still mid-frame then gets a clean TCP close instead of a Close frame, so a drain keeps its window.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10")]
    public TimeSpan CloseBoundaryWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Sockway waits, after its Close, for the peers to answer and end the connection.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CloseReplyWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// What carries detached plain-text tunnels: <c>Sockets</c> (.NET's socket engine, the default) or <c>Epoll</c>
    /// (Sockway's own edge-triggered loops; Linux only, refused elsewhere).
    /// </summary>
    public TunnelTransportKind Transport { get; set; } = TunnelTransportKind.Sockets;

    /// <summary>With the epoll transport: a pump continues on the loop thread that saw its data (no thread hop).</summary>
    public bool EpollInlineCompletions { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Transport))
        {
            yield return new ValidationResult($"{Section}:Transport must be Sockets or Epoll, not {(int)Transport}.", [nameof(Transport)]);
        }
        else if (Transport == TunnelTransportKind.Epoll && !OperatingSystem.IsLinux())
        {
            yield return new ValidationResult($"{Section}:Transport=Epoll needs Linux (this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}); use Sockets.", [nameof(Transport)]);
        }
    }
}
