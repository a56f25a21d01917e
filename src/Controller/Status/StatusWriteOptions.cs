using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;

namespace Sockway.Controller.Status;

/// <summary>
/// How fast route status is written to the API server, as client-go's QPS and burst: a token bucket of
/// <see cref="Burst"/> tokens refilled at <see cref="Qps"/> per second, one token per status patch. Only status writes
/// take tokens: watches and the config pipeline never wait on them.
/// </summary>
public sealed class StatusWriteOptions
{
    public const string Section = "Sockway:Status";

    /// <summary>Status patches in flight at once (the API server's round trip, not the bucket, bounds a lone writer).</summary>
    public const int MaxInFlight = 16;

    /// <summary>Sustained status patches per second.</summary>
    [Range(0.1, 10_000)]
    public double Qps { get; set; } = 200;

    /// <summary>Patches that may go at once after a quiet period (the bucket's size).</summary>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 400;

    /// <summary>The bucket: refilled every 100 ms (or every 1/Qps s when slower than 10 per second).</summary>
    public TokenBucketRateLimiter CreateLimiter()
    {
        var (period, tokens) = Qps >= 10 ? (TimeSpan.FromMilliseconds(100), (int)Math.Round(Qps / 10)) : (TimeSpan.FromSeconds(1 / Qps), 1);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }
}
