using System.Net;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Limits;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Limits;

/// <summary>The per-client budgets on a hand-moved clock: token bucket, open-tunnel caps, the capped table and its eviction order.</summary>
public sealed class ClientLimiterTests
{
    private readonly ManualClock _clock = new();

    private static readonly ConnectionLimits Rate = new() { HandshakesPerSecondPerClient = 2, HandshakeBurstPerClient = 4 };

    [Fact]
    public void A_burst_passes_then_the_rate_applies_and_says_when_to_come_back()
    {
        var limiter = new ClientLimiter(1024, 64, _clock);
        var key = limiter.KeyOf("r", IPAddress.Parse("192.0.2.1"));

        for (var i = 0; i < 4; i++)
        {
            Assert.True(limiter.TryAdmit(key, Rate).IsAdmitted, $"handshake {i + 1} of the burst");
        }

        var refused = limiter.TryAdmit(key, Rate);
        Assert.Equal(ClientLimitReason.HandshakeRate, refused.Refusal);
        Assert.Equal(TimeSpan.FromMilliseconds(500), refused.RetryAfter);

        _clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(limiter.TryAdmit(key, Rate).IsAdmitted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.TryAdmit(key, Rate).IsAdmitted);
        Assert.False(limiter.TryAdmit(key, Rate).IsAdmitted);

        // Refusals cost nothing: after 2 s of refill the whole burst is back.
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4, Enumerable.Range(0, 10).Count(_ => limiter.TryAdmit(key, Rate).IsAdmitted));
    }

    [Fact]
    public void Without_a_burst_the_bucket_holds_one_seconds_worth()
    {
        var limiter = new ClientLimiter(1024, 64, _clock);
        var key = limiter.KeyOf("r", IPAddress.Parse("192.0.2.1"));
        var limits = new ConnectionLimits { HandshakesPerSecondPerClient = 5 };

        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryAdmit(key, limits).IsAdmitted));
    }

    [Fact]
    public void Open_tunnels_are_capped_per_client_and_freed_on_release()
    {
        var limiter = new ClientLimiter(1024, 64, _clock);
        var limits = new ConnectionLimits { MaxPerClient = 2 };
        var key = limiter.KeyOf("r", IPAddress.Parse("192.0.2.1"));
        var other = limiter.KeyOf("r", IPAddress.Parse("192.0.2.2"));

        Assert.True(limiter.TryAdmit(key, limits).HoldsSlot);
        Assert.True(limiter.TryAdmit(key, limits).HoldsSlot);
        var refused = limiter.TryAdmit(key, limits);
        Assert.Equal(ClientLimitReason.Connections, refused.Refusal);
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.True(limiter.TryAdmit(other, limits).IsAdmitted);

        limiter.Release(key);
        Assert.True(limiter.TryAdmit(key, limits).IsAdmitted);

        limiter.Release(key);
        limiter.Release(key);
        limiter.Release(other);
        Assert.Equal(0, limiter.ConnectionEntries);
        limiter.Release(other); // a stray release never goes negative or throws
        Assert.Equal(0, limiter.ConnectionEntries);
    }

    [Fact]
    public void A_connection_refusal_takes_no_handshake_token()
    {
        var limiter = new ClientLimiter(1024, 64, _clock);
        var limits = new ConnectionLimits { MaxPerClient = 1, HandshakesPerSecondPerClient = 1, HandshakeBurstPerClient = 2 };
        var key = limiter.KeyOf("r", IPAddress.Parse("192.0.2.1"));

        Assert.True(limiter.TryAdmit(key, limits).IsAdmitted);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ClientLimitReason.Connections, limiter.TryAdmit(key, limits).Refusal);
        }

        limiter.Release(key);
        Assert.True(limiter.TryAdmit(key, limits).IsAdmitted);
    }

    [Fact]
    public void Budgets_are_per_route()
    {
        var limiter = new ClientLimiter(1024, 64, _clock);
        var address = IPAddress.Parse("192.0.2.1");
        var limits = new ConnectionLimits { HandshakesPerSecondPerClient = 1 };

        Assert.True(limiter.TryAdmit(limiter.KeyOf("a", address), limits).IsAdmitted);
        Assert.False(limiter.TryAdmit(limiter.KeyOf("a", address), limits).IsAdmitted);
        Assert.True(limiter.TryAdmit(limiter.KeyOf("b", address), limits).IsAdmitted);
    }

    [Theory]
    [InlineData(64, "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", true)]
    [InlineData(64, "2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData(48, "2001:db8:1:2::1", "2001:db8:1:ffff::1", true)]
    [InlineData(128, "2001:db8:1:2::1", "2001:db8:1:2::2", false)]
    [InlineData(128, "2001:db8:1:2::1", "2001:db8:1:2::1", true)]
    [InlineData(64, "::ffff:192.0.2.1", "192.0.2.1", true)]
    [InlineData(64, "192.0.2.1", "192.0.2.2", false)]
    [InlineData(32, "::ffff:192.0.2.1", "::ffff:192.0.2.2", false)]
    [InlineData(32, "::ffff:192.0.2.1", "::1", false)]
    public void IPv6_clients_share_a_budget_per_prefix_and_IPv4_per_address(int prefix, string first, string second, bool shared)
    {
        var limiter = new ClientLimiter(1024, prefix, _clock);

        Assert.Equal(shared, limiter.KeyOf("r", IPAddress.Parse(first)) == limiter.KeyOf("r", IPAddress.Parse(second)));
    }

    [Fact]
    public void The_table_stays_at_its_cap_and_a_flood_of_fresh_addresses_does_not_reset_a_drained_client()
    {
        var limiter = new ClientLimiter(1024, 64, _clock);
        var limits = new ConnectionLimits { HandshakesPerSecondPerClient = 1, HandshakeBurstPerClient = 10 };
        var flooder = limiter.KeyOf("r", IPAddress.Parse("198.51.100.1"));
        while (limiter.TryAdmit(flooder, limits).IsAdmitted)
        {
        }

        for (var i = 0; i < 50_000; i++)
        {
            var fresh = limiter.KeyOf("r", new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]));
            Assert.True(limiter.TryAdmit(fresh, limits).IsAdmitted);
            Assert.InRange(limiter.RateEntries, 1, limiter.Capacity);
        }

        Assert.Equal(ClientLimitReason.HandshakeRate, limiter.TryAdmit(flooder, limits).Refusal);

        // Entries whose bucket refilled are worth nothing: the next time the table is full they all go at once, and
        // the flooder (still 8 s in debt) stays.
        _clock.Advance(TimeSpan.FromSeconds(2));
        var room = limiter.Capacity - limiter.RateEntries;
        for (var i = 0; i <= room; i++)
        {
            Assert.True(limiter.TryAdmit(limiter.KeyOf("r", new IPAddress([172, 16, (byte)(i >> 8), (byte)i])), limits).IsAdmitted);
        }

        Assert.Equal(room + 2, limiter.RateEntries);
        // It kept its debt: the 2 handshakes earned in 2 s, not a fresh burst of 10.
        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => limiter.TryAdmit(flooder, limits).IsAdmitted));
    }
}
