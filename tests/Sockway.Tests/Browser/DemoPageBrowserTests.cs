using System.Diagnostics;
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

        var dom = await Chromium.DumpDomAsync(chromium!, $"http://127.0.0.1:{sockway.HttpUri.Port}/?auto=3", _output);

        Assert.Contains("connected to echo-", dom);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Contains($"← auto {i}", dom);
        }
    }
}

/// <summary>Runs Debian's headless Chromium with the flags this sandbox needs (no sandbox, no background networking).</summary>
internal static class Chromium
{
    public static string? Find(out string why)
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("SOCKWAY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        var path = candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
        why = path is null ? "Chromium not found (install Debian's 'chromium' package, or set SOCKWAY_CHROMIUM)" : string.Empty;
        return path;
    }

    public static async Task<string> DumpDomAsync(string chromium, string url, ITestOutputHelper output)
    {
        var profile = Directory.CreateTempSubdirectory("sockway-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}",
                "--virtual-time-budget=10000", "--dump-dom", url,
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var dom = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            output.WriteLine(await dom);
            Skip.If(process.ExitCode != 0 && (await dom).Length == 0, $"Chromium could not run here (exit {process.ExitCode}): {Tail(await errors)}");
            return await dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static string Tail(string text) => text.Length <= 400 ? text : text[^400..];
}
