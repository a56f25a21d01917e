using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>balancing.slowStart: a new endpoint ramps up instead of taking every new connection at once.</summary>
public sealed class SlowStartTests
{
    [Fact]
    public async Task A_new_endpoint_ramps_up_over_the_slow_start_window()
    {
        var clock = new ManualClock();
        await using var pool = await BackendPool.StartAsync(1, "balancing:\n  slowStart: 60s", clock);
        var sockets = new List<ClientWebSocket>();
        sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => WebSocketClient.ConnectAsync(pool.Uri))));
        var added = await pool.AddBackendAsync();

        // Just ready: weight 5%, so about 5% of the old endpoint's load (without slow start all 20 would go to it).
        await Connect(pool, sockets, 20);
        var atStart = added.OpenSockets;
        Assert.InRange(atStart, 1, 4);

        // Half way: weight 50%, it fills up to about half of what the old endpoint holds, then shares 1:2.
        clock.Advance(TimeSpan.FromSeconds(30));
        await Connect(pool, sockets, 40);
        var old = pool.Backends[0].OpenSockets;
        Assert.InRange(added.OpenSockets, 30, 42);
        Assert.InRange(added.OpenSockets * 2, old - 6, old + 6);

        // Past the window: a full member; least connections evens the split (150 connections, 75 each).
        clock.Advance(TimeSpan.FromSeconds(31));
        await Connect(pool, sockets, 40);
        Assert.InRange(added.OpenSockets, 74, 76);
        await ConnectionBalancingTests.CloseAll([.. sockets]);
    }

    private static async Task Connect(BackendPool pool, List<ClientWebSocket> sockets, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sockets.Add(await WebSocketClient.ConnectAsync(pool.Uri));
        }
    }
}
