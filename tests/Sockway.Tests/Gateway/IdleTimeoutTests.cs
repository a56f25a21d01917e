using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Testing;
using Xunit;
using Yarp.ReverseProxy;

namespace Sockway.Tests.Gateway;

/// <summary>timeouts.idle closes silent tunnels, keeps busy ones, and replaces YARP's 100 s default.</summary>
public sealed class IdleTimeoutTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["idle.yaml"] = Manifests.Join(
                Manifests.Route("short", "/short", "idle", extraSpec: "timeouts:\n  idle: 1s"),
                Manifests.Route("busy", "/busy", "idle", extraSpec: "timeouts:\n  idle: 2s"),
                Manifests.Route("default-idle", "/default", "idle"),
                Manifests.Route("never", "/never", "idle", extraSpec: "timeouts:\n  idle: \"0\""),
                Manifests.Service("idle")) + Manifests.Slices("idle", [s.Backend.Port]),
        }, "default/never");

        // The 1 s idle timeout also bounds the backend's answer to the handshake (as nginx's proxy_read_timeout
        // does); one handshake on the untimed route first, so a cold process (JIT, first backend request) on a busy
        // machine is not what these tests measure.
        using var warmUp = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/never"));
        await warmUp.RoundTripAsync("warm-up");
    }

    [Fact]
    public async Task A_silent_tunnel_is_closed_after_the_idle_timeout()
    {
        using var socket = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/short"));
        Assert.Equal("first", await socket.RoundTripAsync("first"));

        var ended = await Record.ExceptionAsync(() => socket.ReceiveTextAsync(TimeSpan.FromSeconds(10)));

        // A proper Close 1001 ("idle timeout"), not a cut connection.
        Assert.NotNull(ended);
        Assert.True(socket.CloseStatus is not null, ended.ToString());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        Assert.Equal("idle timeout", socket.CloseStatusDescription);
        Assert.NotEqual(WebSocketState.Open, socket.State);
        await WaitUntil(() => _scenario.Backend.OpenSockets == 0);
    }

    [Fact]
    public async Task A_busy_tunnel_outlives_the_idle_timeout()
    {
        // A message every 200 ms for twice the 2 s timeout. (The margin, 1.8 s, absorbs a stalled test process on a
        // busy machine; with a 1 s timeout and beats every 300 ms it once did not.)
        using var socket = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/busy"));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"beat {i}", await socket.RoundTripAsync($"beat {i}"));
            await Task.Delay(200);
        }

        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Open_tunnels_carry_their_routes_idle_timeout()
    {
        using var defaulted = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/default"));
        using var never = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/never"));
        await defaulted.RoundTripAsync("x");
        await never.RoundTripAsync("x");

        var tunnels = _scenario.Sockway.App.Services.GetRequiredService<ConnectionRegistry>().Tunnels.Where(t => t.IsUpgraded).ToList();
        Assert.True(tunnels.Count == 2, string.Join(", ", _scenario.Sockway.App.Services.GetRequiredService<ConnectionRegistry>().Tunnels.Select(t => $"{t.RouteId} {t.IsUpgraded}")));

        Assert.Equal(TimeSpan.FromHours(1), tunnels.Single(t => t.RouteId == "default/default-idle").IdleTimeout);
        Assert.Null(tunnels.Single(t => t.RouteId == "default/never").IdleTimeout);
    }

    [Fact]
    public void Routes_without_a_timeout_get_one_hour_and_zero_means_none_never_yarps_100_seconds()
    {
        var proxy = _scenario.Sockway.App.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(proxy.TryGetCluster("default/default-idle", out var defaulted));
        Assert.True(proxy.TryGetCluster("default/never", out var never));

        Assert.Equal(TimeSpan.FromHours(1), defaulted.Model.Config.HttpRequest?.ActivityTimeout);
        Assert.True(never.Model.Config.HttpRequest?.ActivityTimeout > TimeSpan.FromDays(24));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}
