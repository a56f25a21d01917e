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
        await using var pool = await BackendPool.StartAsync(1, "balancing:\n  slowStart: 4s");
        var sockets = new List<ClientWebSocket>();
        sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => WebSocketClient.ConnectAsync(pool.Uri))));

        var added = await pool.AddBackendAsync();
        for (var i = 0; i < 40; i++)
        {
            sockets.Add(await WebSocketClient.ConnectAsync(pool.Uri));
        }

        // Without slow start all 40 would go to the empty newcomer (see ConnectionBalancingTests); ramping, it gets a
        // share that grows with its age (how much depends on how fast this machine opens the 40 connections).
        Assert.InRange(added.OpenSockets, 1, 24);

        await Task.Delay(TimeSpan.FromSeconds(4.5));
        for (var i = 0; i < 40; i++)
        {
            sockets.Add(await WebSocketClient.ConnectAsync(pool.Uri));
        }

        // Past the window it is a full member again: least connections fills it up towards an even split.
        Assert.InRange(added.OpenSockets, 40, 65);
        await ConnectionBalancingTests.CloseAll([.. sockets]);
    }
}
