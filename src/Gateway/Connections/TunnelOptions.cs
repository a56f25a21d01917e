using System.ComponentModel.DataAnnotations;

namespace Sockway.Gateway.Connections;

/// <summary>How long a tunnel being closed waits on its peers (section Sockway:Tunnels).</summary>
public sealed class TunnelOptions
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
}
