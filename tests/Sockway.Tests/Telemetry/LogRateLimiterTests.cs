using Sockway.Gateway.Telemetry;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>A flood of rejected upgrades yields at most N log lines a second, and the next line says how many were dropped.</summary>
public sealed class LogRateLimiterTests
{
    [Fact]
    public void A_flood_is_cut_to_the_limit_and_the_next_window_reports_the_suppressed_count()
    {
        var time = new ManualTime();
        var limiter = new LogRateLimiter(10, time);

        var passed = Enumerable.Range(0, 1000).Count(i => limiter.TryAcquire(out long _));
        time.Advance(TimeSpan.FromSeconds(1));
        var next = limiter.TryAcquire(out var suppressed);

        Assert.Equal(10, passed);
        Assert.True(next);
        Assert.Equal(990, suppressed);
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
