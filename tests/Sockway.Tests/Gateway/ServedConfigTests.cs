using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Testing;
using Xunit;
using Yarp.ReverseProxy.Configuration;

namespace Sockway.Tests.Gateway;

/// <summary>
/// A config counts as served (readiness, the served config, route status) only once YARP routes by it, and one
/// YARP refuses leaves the last good config serving.
/// </summary>
public sealed class ServedConfigTests
{
    [Fact]
    public async Task Ready_means_routed_even_when_yarp_applies_slowly()
    {
        await using var backend = await TestBackend.StartAsync("backend-0");
        using var routes = new RouteDirectory();
        routes.Write("echo.yaml", Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [backend.Port]));
        await using var sockway = await SockwayHost.StartAsync(routes.Path, false,
            s => s.AddSingleton<IProxyConfigFilter>(new YarpApplyFilter(route => route.RouteId == "default/echo" ? TimeSpan.FromSeconds(3) : TimeSpan.Zero)));
        using var http = new HttpClient();

        var readyz = new Uri(sockway.ManagementUri, "/readyz");
        await Eventually.SucceedsAsync(async () => Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(readyz)).StatusCode), TimeSpan.FromSeconds(15));

        // At once, no retry: before, readiness and the served config ran ahead of YARP, and this answered 404.
        Assert.Contains(sockway.Gateway.Current.Routes, r => r.Id == "default/echo");
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/ws"));
        Assert.Equal("hello", await socket.RoundTripAsync("hello"));
    }

    [Fact]
    public async Task A_config_yarp_refuses_leaves_the_last_good_one_serving()
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [s.Backend.Port]),
        }, "default/echo", configureServices: s => s.AddSingleton<IProxyConfigFilter>(new YarpApplyFilter(
            route => route.RouteId == "default/poison" ? throw new InvalidOperationException("refused by the test filter") : TimeSpan.Zero)));

        scenario.Routes.Write("poison.yaml", Manifests.Route("poison", "/poison", "echo"));
        await Eventually.SucceedsAsync(async () =>
            Assert.True((await PrometheusScrape.FetchAsync(scenario.Sockway.ManagementUri)).Sum("sockway_config_applies_total", ("result", "failure")) > 0,
                "the refused apply was never counted as failed"), TimeSpan.FromSeconds(15));

        Assert.DoesNotContain(scenario.Sockway.Gateway.Current.Routes, r => r.Id == "default/poison");
        using var socket = await WebSocketClient.ConnectAsync(scenario.Sockway.WebSocketUri("/ws"));
        Assert.Equal("still served", await socket.RoundTripAsync("still served"));
    }

    /// <summary>Runs inside YARP's own apply: a delay stands for a slow apply, a throw for a refusal.</summary>
    private sealed class YarpApplyFilter(Func<RouteConfig, TimeSpan> delayFor) : IProxyConfigFilter
    {
        public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => new(cluster);

        public async ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
        {
            var delay = delayFor(route);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancel);
            }

            return route;
        }
    }
}
