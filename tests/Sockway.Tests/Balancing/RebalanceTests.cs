using System.Net.WebSockets;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>balancing.rebalance: after a scale-up, load converges through paced Close 1012s, with no abnormal close.</summary>
public sealed class RebalanceTests
{
    [Fact]
    public async Task After_two_backends_join_two_loaded_ones_the_spread_converges_within_the_threshold()
    {
        await using var pool = await BackendPool.StartAsync(2,
            "balancing:\n  rebalance: {enabled: true, thresholdPercent: 120, maxClosesPercent: 10, interval: 500ms}");
        var clients = Enumerable.Range(0, 200).Select(_ => new ClientLoop(pool.Uri, reconnect: true)).ToList();
        clients.ForEach(c => c.Start());
        await Task.WhenAll(clients.Select(c => c.Connected));
        await ConnectionBalancingTests.WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 200);
        Assert.All(pool.Backends, b => Assert.InRange(b.OpenSockets, 95, 105));

        await pool.AddBackendAsync();
        await pool.AddBackendAsync();

        // 200 over 4: within 120% of the mean means no backend above 60.
        await ConnectionBalancingTests.WaitUntil(() => pool.Backends.All(b => b.OpenSockets <= 60) && pool.Backends.Sum(b => b.OpenSockets) == 200, seconds: 30);

        var closes = clients.SelectMany(c => c.GracefulCloses).ToList();
        Assert.All(clients, c => Assert.Empty(c.Abnormal));
        Assert.NotEmpty(closes);
        Assert.All(closes, s => Assert.Equal((WebSocketCloseStatus)1012, s));
        // Paced: no more shed than needed to balance (100 must move) plus a small margin.
        Assert.InRange(closes.Count, 80, 130);
        await Task.WhenAll(clients.Select(c => c.StopAsync()));
    }

    [Fact]
    public async Task Rebalancing_is_off_by_default()
    {
        await using var pool = await BackendPool.StartAsync(1);
        var clients = Enumerable.Range(0, 40).Select(_ => new ClientLoop(pool.Uri, reconnect: true)).ToList();
        clients.ForEach(c => c.Start());
        await Task.WhenAll(clients.Select(c => c.Connected));

        var added = await pool.AddBackendAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Equal(0, added.OpenSockets);
        Assert.All(clients, c => Assert.True(c.GracefulCloses.IsEmpty && c.Abnormal.IsEmpty));
        await Task.WhenAll(clients.Select(c => c.StopAsync()));
    }
}
