using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Tests.Hosting;

/// <summary>Logs at the shipped defaults: quiet per connection, structured on request.</summary>
public sealed class LoggingTests(ITestOutputHelper output)
{
    // Nothing per connection, probe or scrape belongs in the default log; the bound leaves room for an operator event.
    private const int MaxLinesPer100WebSockets = 5;

    [Fact]
    public async Task A_hundred_websockets_with_probes_and_scrapes_log_almost_nothing_at_the_default_level()
    {
        var log = new CapturingLoggerProvider();
        await using var backend = await TestBackend.StartAsync("echo");
        using var routes = new RouteDirectory();
        routes.Write("echo.yaml", Manifests.Join(Manifests.Route("echo", "/echo", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [backend.Port]));
        // The shipped appsettings.json decides, as in production: the test host's own "Warning" is put back to Information.
        await using var sockway = await SockwayHost.StartAsync(routes.Path, false, s => s.AddSingleton<ILoggerProvider>(log), "--Logging:LogLevel:Default", "Information");
        await sockway.WaitForRouteAsync("default/echo", 1);
        // Start-up's own lines (route status, the config summary) end with the summary; count from there.
        await Eventually.TrueAsync(() => log.Entries.Any(e => e.Message.StartsWith("Config applied", StringComparison.Ordinal)));
        log.Clear();

        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/echo"));
            Assert.Equal($"hello {i}", await socket.RoundTripAsync($"hello {i}"));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            if (i % 10 == 0)
            {
                await http.GetStringAsync(new Uri(sockway.ManagementUri, "/readyz"));
                await http.GetStringAsync(new Uri(sockway.ManagementUri, "/metrics"));
            }
        }

        await Eventually.TrueAsync(() => backend.OpenSockets == 0, because: "every tunnel has ended");
        foreach (var entry in log.Entries)
        {
            output.WriteLine($"{entry.Level} {entry.Category}: {entry.Message}");
        }

        Assert.InRange(log.Entries.Count, 0, MaxLinesPer100WebSockets);
    }

    [Fact]
    public async Task The_config_summary_counts_each_backend_once_however_many_routes_use_it()
    {
        var log = new CapturingLoggerProvider();
        using var routes = new RouteDirectory();
        // Two routes to one Service with two endpoints: 2 ready endpoints, not 4.
        routes.Write("echo.yaml", Manifests.Join(Manifests.Route("a", "/a", "echo"), Manifests.Route("b", "/b", "echo"), Manifests.Service("echo"))
            + Manifests.Slices("echo", [1001, 1002]));

        await using var sockway = await SockwayHost.StartAsync(routes.Path, false, s => s.AddSingleton<ILoggerProvider>(log), "--Logging:LogLevel:Default", "Information");
        await sockway.WaitForRouteAsync("default/b", 2);

        var applied = await Eventually.ValueAsync(() => log.Entries.LastOrDefault(e => e.Message.StartsWith("Config applied", StringComparison.Ordinal)).Message);
        Assert.Contains("2 route(s) serving", applied);
        Assert.Contains(" 2 ready endpoint(s)", applied);
    }

    [Fact]
    public async Task Log_level_sets_the_level_of_sockways_own_lines()
    {
        var log = new CapturingLoggerProvider();
        using var routes = new RouteDirectory();
        routes.Write("echo.yaml", Manifests.Join(Manifests.Route("a", "/a", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [1001]));

        await using var sockway = await SockwayHost.StartAsync(routes.Path, false, s => s.AddSingleton<ILoggerProvider>(log),
            "--Logging:LogLevel:Default", "Information", "--log-level", "Warning");
        await sockway.WaitForRouteAsync("default/a", 1);

        // Information from Sockway's categories is gone; the host's own lifetime lines are not Sockway's and stay.
        Assert.DoesNotContain(log.Entries, e => e.Category.StartsWith("Sockway", StringComparison.Ordinal) && e.Level < LogLevel.Warning);
        Assert.Contains(log.Entries, e => e.Category == "Microsoft.Hosting.Lifetime");
    }

    [Theory]
    [InlineData("--log-format", "json")]
    [InlineData("--Logging:Console:FormatterName", "json")]
    [InlineData("env", "json")]
    public async Task Json_format_prints_one_object_per_line_with_the_fields(string how, string format)
    {
        using var routes = new RouteDirectory();
        routes.Write("echo.yaml", Manifests.Join(Manifests.Route("echo", "/echo", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [1001]));
        string[] args = ["--routes", routes.Path, "--bind-address", "127.0.0.1", "--http-port", "0", "--management-port", "0"];
        using var sockway = how == "env"
            ? SockwayProcess.Start(args, new Dictionary<string, string> { ["Logging__Console__FormatterName"] = format })
            : SockwayProcess.Start([.. args, how, format]);

        await Eventually.TrueAsync(() => sockway.Output.Any(l => l.Contains("Config applied", StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
            because: "the first config is applied and logged");

        var lines = sockway.Output.ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, entry.RootElement.ValueKind);
            foreach (var field in new[] { "Timestamp", "LogLevel", "Category", "Message" })
            {
                Assert.True(entry.RootElement.TryGetProperty(field, out _), $"{field} missing in {line}");
            }
        }

        using var applied = JsonDocument.Parse(lines.First(l => l.Contains("Config applied", StringComparison.Ordinal)));
        var state = applied.RootElement.GetProperty("State");
        Assert.Equal("1", state.GetProperty("Routes").ToString());
        Assert.Equal("1", state.GetProperty("Endpoints").ToString());
    }

    [Fact]
    public async Task Text_format_prints_one_line_per_entry()
    {
        using var routes = new RouteDirectory();
        using var sockway = SockwayProcess.Start(["--routes", routes.Path, "--bind-address", "127.0.0.1", "--http-port", "0", "--management-port", "0", "--log-format", "text"]);

        await Eventually.TrueAsync(() => sockway.Output.Any(l => l.Contains("Config applied", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        // Single-line entries: every line carries its own level and category.
        Assert.All(sockway.Output.ToList(), l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|fail|crit|dbug|trce): \S+\[\d+\] ", l));
    }
}
