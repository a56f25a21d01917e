using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>Config changes apply live: nothing restarts and no open tunnel is dropped.</summary>
public sealed class LiveConfigTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync() => _scenario = await Scenario.StartAsync(2, s => new Dictionary<string, string>
    {
        ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [s.Backends[0].Port]),
    }, "default/echo");

    [Fact]
    public async Task Adding_a_route_and_an_endpoint_drops_none_of_50_open_websockets()
    {
        var sockets = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"))));
        Assert.Equal(50, _scenario.Backends[0].OpenSockets);

        _scenario.Routes.Write("other.yaml", Manifests.Join(Manifests.Route("other", "/other", "other"), Manifests.Service("other")) + Manifests.Slices("other", [_scenario.Backends[1].Port]));
        await _scenario.Sockway.WaitForRouteAsync("default/other", 1);
        _scenario.Routes.Write("echo.yaml", Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [_scenario.Backends[0].Port, _scenario.Backends[1].Port]));
        await _scenario.Sockway.WaitForRouteAsync("default/echo", 2);

        var replies = await Task.WhenAll(sockets.Select((s, i) => s.RoundTripAsync($"still here {i}")));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"still here {i}"), replies);
        Assert.All(sockets, s => Assert.Equal(WebSocketState.Open, s.State));
        Assert.Equal(50, _scenario.Backends[0].OpenSockets);
        using var other = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/other"));
        Assert.Equal("backend-1", await other.WhoAmIAsync());
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task Route_to_a_missing_service_answers_503_and_reports_it_while_others_keep_working()
    {
        _scenario.Routes.Write("broken.yaml", Manifests.Route("orphan", "/orphan", "does-not-exist"));
        await _scenario.Sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/orphan"));

        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(_scenario.Sockway.HttpUri, "/orphan"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var upgrade = await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/orphan"), o => o.CollectHttpResponseDetails = true));
        Assert.Contains("503", upgrade.Message);

        var status = await StatusOf("orphan");
        Assert.Equal(("False", "BackendNotFound"), Condition(status, "ResolvedRefs"));
        Assert.Contains("Service default/does-not-exist not found", Message(status, "ResolvedRefs"));
        Assert.Equal(("True", "Accepted"), Condition(status, "Accepted"));
        Assert.Equal("False", Condition(status, "Ready").Status);

        using var healthy = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"));
        Assert.Equal("fine", await healthy.RoundTripAsync("fine"));
    }

    [Fact]
    public async Task A_broken_file_is_reported_by_file_object_and_field_and_the_last_good_config_keeps_serving()
    {
        using var before = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"));
        var applies = _scenario.Sockway.Gateway.Current;

        _scenario.Routes.Write("echo.yaml", Manifests.Join(
            Manifests.Route("echo", "/ws", "echo", extraSpec: "timeouts:\n  idle: soon"),
            Manifests.Service("echo")) + Manifests.Slices("echo", [_scenario.Backends[0].Port]));

        var errors = await WaitForManifestErrors();
        var error = Assert.Single(errors);
        Assert.Contains("echo.yaml", error);
        Assert.Contains("WebSocketRoute default/echo", error);
        Assert.Contains("spec.timeouts.idle", error);
        using var after = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"));
        Assert.Equal("served", await after.RoundTripAsync("served"));
        Assert.Equal("open", await before.RoundTripAsync("open"));
        var served = _scenario.Sockway.Gateway.Current.Routes.Single(r => r.Id == "default/echo");
        Assert.Equal(applies.Routes.Single(r => r.Id == "default/echo").Endpoints, served.Endpoints);
        Assert.Equal(TimeSpan.FromHours(1), served.IdleTimeout);
    }

    [Fact]
    public async Task A_file_with_a_field_of_the_wrong_type_is_reported_with_its_line()
    {
        _scenario.Routes.Write("typo.yaml", Manifests.Route("typo", "/typo", "echo", extraSpec: "allowPlainHttp: sometimes"));

        var error = Assert.Single(await WaitForManifestErrors());
        Assert.Contains("typo.yaml:", error);
        Assert.Contains("field 'spec.allowPlainHttp'", error);
        using var healthy = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"));
        Assert.Equal("fine", await healthy.RoundTripAsync("fine"));
    }

    private async Task<JsonElement> StatusOf(string name)
    {
        using var http = new HttpClient();
        var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(_scenario.Sockway.ManagementUri, "/api/routes")));
        return json.RootElement.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
    }

    private async Task<List<string>> WaitForManifestErrors()
    {
        using var http = new HttpClient();
        for (var i = 0; i < 200; i++)
        {
            var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(_scenario.Sockway.ManagementUri, "/api/routes")));
            var errors = json.RootElement.GetProperty("manifestErrors").EnumerateArray().Select(e => e.GetString()!).ToList();
            if (errors.Count > 0)
            {
                return errors;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("no manifest error was reported");
    }

    private static (string Status, string Reason) Condition(JsonElement route, string type)
    {
        var condition = route.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type);
        return (condition.GetProperty("status").GetString()!, condition.GetProperty("reason").GetString()!);
    }

    private static string Message(JsonElement route, string type) =>
        route.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == type).GetProperty("message").GetString()!;

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}
