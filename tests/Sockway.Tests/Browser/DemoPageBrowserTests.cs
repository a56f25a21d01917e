using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Tests.Browser;

/// <summary>
/// The demo as a user sees it: headless Chromium loads the demo page through Sockway and exchanges messages over a
/// WebSocket with the demo backends. Skipped, with the reason, where Chromium cannot run.
/// </summary>
public sealed class DemoPageBrowserTests
{
    private readonly ITestOutputHelper _output;

    public DemoPageBrowserTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task Demo_page_exchanges_messages_through_the_gateway()
    {
        var chromium = Chromium.Find(out var why);
        Skip.If(chromium is null, why);

        await using var a = await DemoProcess.StartAsync("echo-a");
        await using var b = await DemoProcess.StartAsync("echo-b");
        using var routes = new RouteDirectory();
        // The demo's own routes file, with its backends on this run's free ports.
        File.Copy(Path.Combine(RepositoryPaths.Root, "examples", "demo", "routes", "echo.yaml"), Path.Combine(routes.Path, "echo.yaml"));
        routes.Write("backend.yaml", Manifests.Join(Manifests.Service("echo", "demo")) + Manifests.Slices("echo", [a.Port, b.Port], "demo"));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync("demo/echo", 2);

        await using var browser = await Chromium.StartAsync(chromium!, $"http://127.0.0.1:{sockway.HttpUri.Port}/?auto=3");
        // Real time, not virtual time: wait until the page shows the echoes (or give up after 30 s).
        var log = await browser.WaitForTextAsync("document.getElementById('log').innerText", text => text.Contains("← auto 3"), TimeSpan.FromSeconds(30));
        _output.WriteLine(log);

        Assert.Contains("← connected to echo-", log);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Contains($"← auto {i}", log);
        }

        Assert.Equal("open", await browser.EvaluateAsync("document.getElementById('status').textContent"));
    }
}
