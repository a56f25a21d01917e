using System.Net.WebSockets;
using Sockway.Gateway.Configuration;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>
/// A change to a route's endpoints alone is applied to Sockway's route table without YARP reloading: open tunnels
/// stay, the next connection sees the new endpoints, a removed endpoint's tunnels drain with Close 1001, and other
/// routes are not touched.
/// </summary>
public sealed class EndpointOnlyChangeTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync() => _scenario = await Scenario.StartAsync(3, s => new Dictionary<string, string>
    {
        ["a.yaml"] = RouteA(s.Backends[0].Port),
        ["b.yaml"] = Manifests.Join(Manifests.Route("b", "/b", "b"), Manifests.Service("b")) + Manifests.Slices("b", [s.Backends[2].Port]),
    }, "default/a");

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public async Task An_added_endpoint_takes_the_next_connection_without_a_yarp_reload_and_open_tunnels_stay()
    {
        await _scenario.Sockway.WaitForRouteAsync("default/b", 1);
        using var first = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a"));
        Assert.Equal("backend-0", await first.WhoAmIAsync());
        var reloads = _scenario.Sockway.Gateway.YarpReloads;

        _scenario.Routes.Write("a.yaml", RouteA(_scenario.Backends[0].Port, _scenario.Backends[1].Port));
        await _scenario.Sockway.WaitForRouteAsync("default/a", 2);

        // Least connections: backend-0 holds one tunnel, the new endpoint none.
        using var second = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a"));
        Assert.Equal("backend-1", await second.WhoAmIAsync());
        Assert.Equal("still open", await first.RoundTripAsync("still open"));
        Assert.Equal(WebSocketState.Open, first.State);
        Assert.Equal(reloads, _scenario.Sockway.Gateway.YarpReloads);
    }

    [Fact]
    public async Task A_removed_endpoints_tunnels_get_close_1001_while_the_remaining_ones_stay_and_yarp_does_not_reload()
    {
        _scenario.Routes.Write("a.yaml", RouteA(_scenario.Backends[0].Port, _scenario.Backends[1].Port));
        await _scenario.Sockway.WaitForRouteAsync("default/a", 2);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a"))));
        var names = await Task.WhenAll(sockets.Select(s => s.WhoAmIAsync()));
        Assert.Contains("backend-0", names);
        Assert.Contains("backend-1", names);
        var reloads = _scenario.Sockway.Gateway.YarpReloads;

        _scenario.Routes.Write("a.yaml", RouteA(_scenario.Backends[0].Port));
        await _scenario.Sockway.WaitForRouteAsync("default/a", 1);

        var leaving = sockets.Where((_, i) => names[i] == "backend-1").ToList();
        var closes = await Task.WhenAll(leaving.Select(ReceiveCloseAsync));
        Assert.All(closes, c => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, c));
        foreach (var staying in sockets.Where((_, i) => names[i] == "backend-0"))
        {
            Assert.Equal("stays", await staying.RoundTripAsync("stays"));
        }

        using var next = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a"));
        Assert.Equal("backend-0", await next.WhoAmIAsync());
        Assert.Equal(reloads, _scenario.Sockway.Gateway.YarpReloads);
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task An_endpoint_set_that_goes_empty_answers_503_and_serves_again_when_it_comes_back()
    {
        var reloads = _scenario.Sockway.Gateway.YarpReloads;

        _scenario.Routes.Write("a.yaml", RouteA());
        await _scenario.Sockway.WaitForRouteAsync("default/a", 0);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a"), o => o.CollectHttpResponseDetails = true));
        Assert.Contains("503", refused.Message);

        _scenario.Routes.Write("a.yaml", RouteA(_scenario.Backends[1].Port));
        await _scenario.Sockway.WaitForRouteAsync("default/a", 1);
        using var back = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a"));
        Assert.Equal("backend-1", await back.WhoAmIAsync());
        Assert.Equal(reloads, _scenario.Sockway.Gateway.YarpReloads);
    }

    [Fact]
    public async Task A_route_change_on_one_route_reloads_yarp_and_leaves_the_other_routes_tunnels_and_endpoints_alone()
    {
        await _scenario.Sockway.WaitForRouteAsync("default/b", 1);
        using var onB = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/b"));
        Assert.Equal("backend-2", await onB.WhoAmIAsync());
        var table = _scenario.Sockway.App.Services.GetService(typeof(RouteTable)) as RouteTable;
        var bEndpoints = table!.EndpointsOf("default/b");
        var reloads = _scenario.Sockway.Gateway.YarpReloads;

        _scenario.Routes.Write("a.yaml", RouteA([_scenario.Backends[0].Port], "/a2"));
        await _scenario.Sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/a" && r.Path == "/a2"));

        Assert.True(_scenario.Sockway.Gateway.YarpReloads > reloads);
        Assert.Same(bEndpoints, table.EndpointsOf("default/b"));
        Assert.Equal("undisturbed", await onB.RoundTripAsync("undisturbed"));
        using var onA = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/a2"));
        Assert.Equal("backend-0", await onA.WhoAmIAsync());
    }

    private static string RouteA(params int[] ports) => RouteA(ports, "/a");

    private static string RouteA(int[] ports, string path) =>
        Manifests.Join(Manifests.Route("a", path, "a", extraSpec: "timeouts:\n  drain: 1s"), Manifests.Service("a")) + Manifests.Slices("a", ports);

    private static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[256];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.CloseStatus;
            }
        }
    }
}
