using System.Net;
using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>Balancing by live open-connection counts, with slots reserved at pick time.</summary>
public sealed class ConnectionBalancingTests
{
    [Fact]
    public async Task A_thousand_simultaneous_upgrades_spread_evenly_over_four_backends()
    {
        await using var pool = await BackendPool.StartAsync(4);

        var sockets = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        await WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 1000);

        // Every backend within ±5% of 250.
        Assert.All(pool.Backends, b => Assert.InRange(b.OpenSockets, 238, 262));
        Assert.Equal(1000, pool.Backends.Sum(b => b.OpenSockets));
        await CloseAll(sockets);
    }

    [Fact]
    public async Task A_backend_added_under_load_takes_the_new_connections_until_balanced()
    {
        await using var pool = await BackendPool.StartAsync(2);
        var first = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        // A backend counts a socket just after its 101 went out, so let the counts settle before reading them.
        await WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 400, state: () => OpenSockets(pool, first));
        Assert.All(pool.Backends, b => Assert.InRange(b.OpenSockets, 195, 205));

        var added = await pool.AddBackendAsync();
        var next = new List<ClientWebSocket>();
        for (var i = 0; i < 200; i++)
        {
            next.Add(await WebSocketClient.ConnectAsync(pool.Uri));
        }

        await WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 600, state: () => OpenSockets(pool, [.. first, .. next]));
        // 600 over 3: the newcomer took (nearly) every new connection until it reached its share.
        Assert.InRange(added.OpenSockets, 195, 200);
        Assert.All(pool.Backends, b => Assert.InRange(b.OpenSockets, 195, 205));
        await CloseAll([.. first, .. next]);
    }

    [Fact]
    public async Task Closed_connections_free_their_slot()
    {
        await using var pool = await BackendPool.StartAsync(2);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        var onFirst = sockets.Where((_, i) => i % 2 == 0).ToList();
        var names = await Task.WhenAll(sockets.Select(s => s.WhoAmIAsync()));
        // Close every tunnel held by backend-0; as many new connections as backend-1 holds must all go there.
        await CloseAll(sockets.Where((_, i) => names[i] == "backend-0").ToArray());
        await WaitUntil(() => pool.Backends[0].OpenSockets == 0 && pool.GatewayCount(pool.Backends[0]) == 0);

        var again = await ConnectOneByOneAsync(pool, names.Count(n => n == "backend-1"));

        Assert.All(await Task.WhenAll(again.Select(s => s.WhoAmIAsync())), n => Assert.Equal("backend-0", n));
        Assert.DoesNotContain(onFirst, s => s.State == WebSocketState.Aborted);
    }

    [Fact]
    public async Task Aborted_connections_free_their_slot_too()
    {
        await using var pool = await BackendPool.StartAsync(2);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        var names = await Task.WhenAll(sockets.Select(s => s.WhoAmIAsync()));

        // Clients vanishing without a Close (a dropped mobile link) must not leave phantom load behind.
        foreach (var socket in sockets.Where((_, i) => names[i] == "backend-1"))
        {
            socket.Abort();
        }

        await WaitUntil(() => pool.Backends[1].OpenSockets == 0 && pool.GatewayCount(pool.Backends[1]) == 0);
        var again = await ConnectOneByOneAsync(pool, names.Count(n => n == "backend-0"));

        Assert.All(await Task.WhenAll(again.Select(s => s.WhoAmIAsync())), n => Assert.Equal("backend-1", n));
        await CloseAll([.. sockets, .. again]);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_taken_out_of_rotation_instead_of_attracting_every_connection()
    {
        await using var pool = await BackendPool.StartAsync(2);
        // Still listed ready, but nothing listens any more: the endpoint with the fewest connections, forever.
        await pool.Backends[1].DisposeAsync();

        var failures = 0;
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 20; i++)
        {
            try
            {
                sockets.Add(await WebSocketClient.ConnectAsync(pool.Uri));
            }
            catch (WebSocketException)
            {
                failures++;
            }
        }

        // A failed connect benches it for the reactivation period (as nginx's fail_timeout) and the attempt is retried
        // on the healthy endpoint, so no user sees a failure while one exists — however many periods the loop spans.
        Assert.Equal(0, failures);
        Assert.All(await Task.WhenAll(sockets.Select(s => s.WhoAmIAsync())), n => Assert.Equal("backend-0", n));
        await CloseAll([.. sockets]);
    }

    [Fact]
    public async Task Limits_answer_503_with_retry_after_and_never_touch_a_backend()
    {
        await using var pool = await BackendPool.StartAsync(2, "limits:\n  maxConnectionsPerEndpoint: 3\n  maxConnectionsPerRoute: 5");
        var open = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => WebSocketClient.ConnectAsync(pool.Uri)));
        var requestsBefore = pool.Backends.Sum(b => b.Requests);

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(pool.Uri, CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);
        Assert.Equal("5", Assert.Single(refused.HttpResponseHeaders!["Retry-After"]));
        Assert.Equal(requestsBefore, pool.Backends.Sum(b => b.Requests));
        Assert.All(pool.Backends, b => Assert.InRange(b.OpenSockets, 2, 3));

        await open[0].CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await WaitUntil(() => pool.Backends.Sum(b => b.OpenSockets) == 4 && pool.Backends.Sum(pool.GatewayCount) == 4);
        using var admitted = await WebSocketClient.ConnectAsync(pool.Uri);
        Assert.Equal("in", await admitted.RoundTripAsync("in"));
    }

    [Fact]
    public async Task Consistent_hash_sends_the_same_key_to_the_same_backend()
    {
        await using var pool = await BackendPool.StartAsync(3, "balancing:\n  policy: ConsistentHash\n  hashKey: {source: Query, name: room}\n  boundedLoadPercent: 1000");
        var byRoom = new Dictionary<string, HashSet<string>>();
        var sockets = new List<ClientWebSocket>();
        for (var room = 0; room < 12; room++)
        {
            for (var i = 0; i < 4; i++)
            {
                var socket = await WebSocketClient.ConnectAsync(new Uri(pool.Uri + $"?room=r{room}"));
                sockets.Add(socket);
                byRoom.TryAdd($"r{room}", []);
                byRoom[$"r{room}"].Add(await socket.WhoAmIAsync());
            }
        }

        Assert.All(byRoom.Values, backends => Assert.Single(backends));
        Assert.True(byRoom.Values.Select(b => b.Single()).Distinct().Count() > 1, "12 rooms all hashed to one backend");
        await CloseAll([.. sockets]);
    }

    [Fact]
    public async Task Consistent_hash_keeps_fifty_simultaneous_connections_with_one_key_on_one_backend()
    {
        // No boundedLoadPercent: strict affinity, even when one key is all the load (the reproduction spread 6 over 3).
        await using var pool = await BackendPool.StartAsync(3, "balancing:\n  policy: ConsistentHash\n  hashKey: {source: Query, name: room}");
        var uri = new Uri(pool.Uri + "?room=lobby");

        var sockets = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => WebSocketClient.ConnectAsync(uri)));
        var backends = await Task.WhenAll(sockets.Select(s => s.WhoAmIAsync()));

        Assert.Single(backends.Distinct());
        Assert.Equal(50, pool.Backends.Max(b => b.OpenSockets));
        await CloseAll(sockets);
    }

    /// <summary>
    /// Connects one at a time, so each pick sees the previous one's slot: from counts (n, 0) all n land on the empty
    /// endpoint unless it carries phantom load. (Simultaneous picks may tie, which those tests are not about.)
    /// </summary>
    private static async Task<List<ClientWebSocket>> ConnectOneByOneAsync(BackendPool pool, int count)
    {
        var sockets = new List<ClientWebSocket>(count);
        for (var i = 0; i < count; i++)
        {
            sockets.Add(await WebSocketClient.ConnectAsync(pool.Uri));
        }

        return sockets;
    }

    private static string OpenSockets(BackendPool pool, IEnumerable<ClientWebSocket> clients) =>
        $"backends hold {string.Join(" + ", pool.Backends.Select(b => b.OpenSockets))}; clients: "
        + string.Join(", ", clients.GroupBy(c => c.State).Select(g => $"{g.Count()} {g.Key}"));

    internal static async Task CloseAll(ClientWebSocket[] sockets)
    {
        await Task.WhenAll(sockets.Where(s => s.State == WebSocketState.Open)
            .Select(s => s.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None)));
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    internal static async Task WaitUntil(Func<bool> condition, int seconds = 10, Func<string>? state = null)
    {
        for (var i = 0; i < seconds * 40 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), state?.Invoke());
    }
}
