using System.Net;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>/healthz and /readyz: alive at once, ready only with a complete config.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Not_ready_before_the_first_complete_config_but_alive()
    {
        // Kubernetes mode against an API server that is not there: the initial lists never complete.
        var app = Sockway.Controller.Hosting.SockwayApp.Build(
        [
            "--api-server", "http://127.0.0.1:1", "--leader-elect", "false", "--bind-address", "127.0.0.1",
            "--http-port", "0", "--management-port", "0", "--Logging:LogLevel:Default", "None",
        ]);
        await app.StartAsync();
        try
        {
            var management = new Uri(app.Urls.Last());
            using var http = new HttpClient();

            var ready = await http.GetAsync(new Uri(management, "/readyz"));
            var alive = await http.GetAsync(new Uri(management, "/healthz"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("waiting for the first complete config", await ready.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Ready_once_the_config_is_loaded()
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["r.yaml"] = Manifests.Join(Manifests.Route("r", "/r", "r"), Manifests.Service("r")) + Manifests.Slices("r", [s.Backend.Port]),
        }, "default/r");
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(scenario.Sockway.ManagementUri, "/readyz"))).StatusCode);
    }
}
