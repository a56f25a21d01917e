using Sockway.Gateway.Memory;
using Xunit;

namespace Sockway.Tests.Memory;

/// <summary>When the gateway gives memory back: after a burst, once quiet, and only when the surplus pays for the pause.</summary>
public sealed class MemoryTrimPolicyTests
{
    private const long MiB = 1 << 20;
    private static readonly MemoryTrimOptions Defaults = new();

    [Fact]
    public void Trims_once_a_burst_is_over_and_the_gc_holds_far_more_than_the_live_heap()
    {
        Assert.True(MemoryTrimmer.ShouldTrim(Defaults, arrivedLastInterval: 0, arrivedSinceTrim: 5000, committedBytes: 97 * MiB, liveHeapBytes: 44 * MiB));
        // A trickle of reconnects still counts as quiet.
        Assert.True(MemoryTrimmer.ShouldTrim(Defaults, arrivedLastInterval: Defaults.QuietConnections, arrivedSinceTrim: 5000, committedBytes: 97 * MiB, liveHeapBytes: 44 * MiB));
    }

    [Fact]
    public void Leaves_the_gc_alone_while_connections_keep_pouring_in()
    {
        Assert.False(MemoryTrimmer.ShouldTrim(Defaults, arrivedLastInterval: Defaults.QuietConnections + 1, arrivedSinceTrim: 5000, committedBytes: 97 * MiB, liveHeapBytes: 44 * MiB));
    }

    [Fact]
    public void Does_not_trim_again_without_a_new_burst()
    {
        Assert.False(MemoryTrimmer.ShouldTrim(Defaults, arrivedLastInterval: 0, arrivedSinceTrim: Defaults.MinimumNewConnections - 1, committedBytes: 97 * MiB, liveHeapBytes: 44 * MiB));
    }

    [Fact]
    public void A_surplus_too_small_for_the_pause_is_kept()
    {
        // Under the absolute floor.
        Assert.False(MemoryTrimmer.ShouldTrim(Defaults, 0, 5000, committedBytes: 20 * MiB + (Defaults.MinimumSurplusMiB - 1) * MiB, liveHeapBytes: 20 * MiB));
        // Over the floor but under a quarter of a large live heap: the pause would cost more than it frees.
        Assert.False(MemoryTrimmer.ShouldTrim(Defaults, 0, 5000, committedBytes: 600 * MiB, liveHeapBytes: 500 * MiB));
        Assert.True(MemoryTrimmer.ShouldTrim(Defaults, 0, 5000, committedBytes: 630 * MiB, liveHeapBytes: 500 * MiB));
    }
}
