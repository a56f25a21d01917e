using System.ComponentModel.DataAnnotations;

namespace Sockway.Gateway.Memory;

public sealed class MemoryTrimOptions
{
    public const string Section = "Sockway:MemoryTrim";

    /// <summary>Give memory left over from a burst of handshakes back to the OS once the gateway is quiet (default on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the gateway checks; a trim needs one whole interval with at most <see cref="QuietConnections"/> new ones.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many new connections in the last interval still count as quiet (a trickle of reconnects).</summary>
    [Range(0, int.MaxValue)]
    public int QuietConnections { get; set; } = 50;

    /// <summary>A trim is considered only after this many new connections since the last one (a burst).</summary>
    [Range(1, int.MaxValue)]
    public int MinimumNewConnections { get; set; } = 1000;

    /// <summary>
    /// Trim only when the GC holds at least this many MiB, and a quarter of the live heap, more than the live heap
    /// needs: the pause of a compacting collection grows with the live heap, so it must free a matching amount.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MinimumSurplusMiB { get; set; } = 8;
}
