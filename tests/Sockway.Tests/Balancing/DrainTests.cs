using System.Net;
using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>Endpoints that leave, and a gateway that shuts down, close their WebSockets with Close 1001 — never a reset.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Removed_endpoint_clients_get_close_1001_within_the_drain_window_and_others_are_untouched()
    {
        await using var pool = await BackendPool.StartAsync(2, "timeouts:\n  drain: 2s");
        var clients = Enumerable.Range(0, 20).Select(_ => new ClientLoop(pool.Uri, reconnect: false)).ToList();
        clients.ForEach(c => c.Start());
        await Task.WhenAll(clients.Select(c => c.Connected));
        var leaving = pool.Backends[0];
        var onLeaving = clients.Where(c => c.Backend == leaving.Name).ToList();
        var staying = clients.Except(onLeaving).ToList();
        Assert.InRange(onLeaving.Count, 8, 12);

        // The drain starts when the gateway serves the change: after the file was written (the source polls it),
        // and no later than RemoveAsync sees it served.
        var removedAt = DateTime.UtcNow;
        await pool.RemoveAsync(leaving);
        var servedAt = DateTime.UtcNow;
        await ConnectionBalancingTests.WaitUntil(() => onLeaving.All(c => !c.CloseTimes.IsEmpty || !c.Abnormal.IsEmpty));

        Assert.All(onLeaving, c => Assert.Empty(c.Abnormal));
        Assert.All(onLeaving, c => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(c.GracefulCloses)));
        var times = onLeaving.Select(c => c.CloseTimes.Single()).ToList();
        // Second half of the 2 s window (the first half is grace), allowing for this machine's scheduling.
        Assert.All(times, t => Assert.True((t - removedAt).TotalSeconds >= 0.9, $"closed {(t - removedAt).TotalSeconds:0.00} s after the removal, inside the grace"));
        Assert.All(times, t => Assert.True((t - servedAt).TotalSeconds <= 2 + 1.5, $"closed {(t - servedAt).TotalSeconds:0.00} s after the change was served"));
        // Spread with jitter over the window, not all at once.
        Assert.True((times.Max() - times.Min()).TotalMilliseconds > 300, $"closes spread over only {(times.Max() - times.Min()).TotalMilliseconds} ms");
        // The backend got a proper Close 1001 as well.
        await ConnectionBalancingTests.WaitUntil(() => leaving.OpenSockets == 0);
        Assert.Equal(onLeaving.Count, leaving.CloseStatuses.Count(s => s == WebSocketCloseStatus.EndpointUnavailable));

        Assert.All(staying, c => Assert.True(c.CloseTimes.IsEmpty && c.Abnormal.IsEmpty));
        Assert.Equal(staying.Count, pool.Backends[1].OpenSockets);
        await Task.WhenAll(clients.Select(c => c.StopAsync()));
    }

    [Fact]
    public async Task An_endpoint_that_comes_back_before_the_deadline_keeps_its_connections()
    {
        await using var pool = await BackendPool.StartAsync(2, "timeouts:\n  drain: 3s");
        var clients = Enumerable.Range(0, 10).Select(_ => new ClientLoop(pool.Uri, reconnect: false)).ToList();
        clients.ForEach(c => c.Start());
        await Task.WhenAll(clients.Select(c => c.Connected));
        var flapping = pool.Backends[0];

        await pool.RemoveAsync(flapping);
        pool.Ready.Insert(0, flapping);
        await pool.AddBackendsBackAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.All(clients, c => Assert.True(c.CloseTimes.IsEmpty && c.Abnormal.IsEmpty));
        Assert.Equal(clients.Count(c => c.Backend == flapping.Name), flapping.OpenSockets);
        await Task.WhenAll(clients.Select(c => c.StopAsync()));
    }

    [Fact]
    public async Task Gateway_shutdown_closes_every_websocket_with_1001_and_readiness_goes_false()
    {
        var pool = await BackendPool.StartAsync(2, "", "--Sockway:Drain:ShutdownWindow", "00:00:02");
        var clients = Enumerable.Range(0, 20).Select(_ => new ClientLoop(pool.Uri, reconnect: false)).ToList();
        clients.ForEach(c => c.Start());
        await Task.WhenAll(clients.Select(c => c.Connected));
        using var http = new HttpClient();
        var readyz = new Uri(pool.Sockway.ManagementUri, "/readyz");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(readyz)).StatusCode);

        var stopping = pool.Sockway.App.StopAsync();
        await ConnectionBalancingTests.WaitUntil(() => clients.Any(c => !c.CloseTimes.IsEmpty) || stopping.IsCompleted);
        var duringDrain = await http.GetAsync(readyz);
        await stopping;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, duringDrain.StatusCode);
        Assert.Contains("draining", await duringDrain.Content.ReadAsStringAsync());
        Assert.All(clients, c => Assert.Empty(c.Abnormal));
        Assert.All(clients, c => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(c.GracefulCloses)));
        Assert.Equal(20, pool.Backends.Sum(b => b.CloseStatuses.Count(s => s == WebSocketCloseStatus.EndpointUnavailable)));
        await pool.DisposeAsync();
    }
}
