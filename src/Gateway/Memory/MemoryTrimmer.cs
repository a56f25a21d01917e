using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Memory;

/// <summary>
/// A handshake allocates tens of KiB that die within milliseconds, but a burst of them (a reconnect storm, a
/// rollout) leaves the GC holding that memory committed for reuse: measured, 15.6 KiB committed per idle tunnel
/// against 4.7 KiB of live objects (docs/benchmarks.md). An idle gateway allocates nothing, so no collection
/// ever gives it back. Once a burst is over — at most a trickle of new connections for a whole interval — and the
/// surplus is large, one compacting collection returns it to the OS. While connections keep pouring in nothing is
/// done: the GC needs that memory then, and its own collections keep the surplus in check.
/// </summary>
public sealed partial class MemoryTrimmer(ConnectionRegistry registry, IOptions<MemoryTrimOptions> options, ILogger<MemoryTrimmer> logger) : BackgroundService
{
    private readonly MemoryTrimOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.Interval);
        var seen = registry.Reservations;
        var trimmedAt = seen;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = registry.Reservations;
            var info = GC.GetGCMemoryInfo();
            if (ShouldTrim(_options, now - seen, now - trimmedAt, info.TotalCommittedBytes, info.HeapSizeBytes))
            {
                trimmedAt = now;
                Trim();
            }

            seen = now;
        }
    }

    /// <summary>The policy: a burst is over (at most a trickle in the last interval), and the surplus pays for the pause.</summary>
    internal static bool ShouldTrim(MemoryTrimOptions options, long arrivedLastInterval, long arrivedSinceTrim, long committedBytes, long liveHeapBytes)
    {
        var surplus = committedBytes - liveHeapBytes;
        return arrivedLastInterval <= options.QuietConnections
            && arrivedSinceTrim >= options.MinimumNewConnections
            && surplus >= (long)options.MinimumSurplusMiB << 20
            && surplus >= liveHeapBytes / 4;
    }

    private void Trim()
    {
        var before = Environment.WorkingSet;
        var started = Stopwatch.GetTimestamp();
        // Measured alternatives (docs/benchmarks.md): a gen1-only compacting collection returned nothing, a
        // non-compacting full one paused longer; only the aggressive full compaction gives the memory back.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // The GC's own account of the pause (the wall time around the call also counts this thread being descheduled).
        var pause = GC.GetGCMemoryInfo(GCKind.Any).PauseDurations[0].TotalMilliseconds;
        LogTrimmed((before - Environment.WorkingSet) >> 20, Environment.WorkingSet >> 20, pause, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory trimmed after a burst of connections: {FreedMiB} MiB returned, working set {WorkingSetMiB} MiB, pause {PauseMs:F1} ms ({WallMs:F0} ms wall)")]
    private partial void LogTrimmed(long freedMiB, long workingSetMiB, double pauseMs, double wallMs);
}
