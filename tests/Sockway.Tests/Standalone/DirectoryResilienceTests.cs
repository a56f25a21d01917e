using System.Diagnostics;
using System.Net;
using Sockway.Testing;
using Sockway.Tests.Corpus;
using Xunit;

namespace Sockway.Tests.Standalone;

/// <summary>
/// The routes directory as Kubernetes and editors really leave it (a ConfigMap volume, swap files), and as it can
/// fail (vanishing mid-run): the config never triples, never freezes, and a missing directory at start is one line.
/// </summary>
public sealed partial class DirectoryResilienceTests
{
    [Fact]
    public async Task A_configmap_volume_is_read_once_and_its_atomic_update_applies()
    {
        await using var backend = await TestBackend.StartAsync("backend-0");
        using var routes = new RouteDirectory();
        // What the kubelet writes: the data in a timestamped folder, `..data` linking to it, and a link per key.
        WriteConfigMapVersion(routes.Path, "..2025_01_01_00_00_00.000000001", CorpusSnapshot.GoodManifests(backend.Port));
        File.CreateSymbolicLink(Path.Combine(routes.Path, "good.yaml"), Path.Combine("..data", "good.yaml"));
        // Editor leftovers next to it.
        File.WriteAllText(Path.Combine(routes.Path, ".good.yaml.swp"), "binary swap \0");
        File.WriteAllText(Path.Combine(routes.Path, "good.yaml~"), Manifests.Route("backup", "/backup", "echo"));
        File.WriteAllText(Path.Combine(routes.Path, ".#good.yaml"), "lock");

        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync(CorpusSnapshot.GoodRoute, 1);
        var report = await RouteReport.ReadAsync(sockway);
        Assert.Empty(report.Errors);
        Assert.Equal([CorpusSnapshot.GoodRoute], sockway.Gateway.Current.Routes.Select(r => r.Id));

        // The update: a new folder, then `..data` swapped to it in one rename.
        WriteConfigMapVersion(routes.Path, "..2025_01_02_00_00_00.000000002",
            Manifests.Join(CorpusSnapshot.GoodManifests(backend.Port), Manifests.Route("added", "/added", "echo")));
        await sockway.WaitForRouteAsync("default/added", 1);
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/added"));
        Assert.Equal("via configmap", await socket.RoundTripAsync("via configmap"));
        Assert.Empty((await RouteReport.ReadAsync(sockway)).Errors);
    }

    [Fact]
    public async Task A_vanished_directory_is_reported_and_the_last_good_config_keeps_serving_until_it_returns()
    {
        await using var backend = await TestBackend.StartAsync("backend-0");
        using var routes = new RouteDirectory();
        routes.Write("good.yaml", CorpusSnapshot.GoodManifests(backend.Port));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync(CorpusSnapshot.GoodRoute, 1);
        using var held = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/good"));

        var moved = routes.Path + "-moved";
        Directory.Move(routes.Path, moved);
        try
        {
            RouteReport report = null!;
            await Eventually.SucceedsAsync(async () =>
            {
                report = await RouteReport.ReadAsync(sockway);
                Assert.NotNull(report.SourceProblem);
            });
            Assert.Contains("does not exist", report.SourceProblem);
            Assert.Contains(report.Errors, e => e.Contains("the last good config keeps serving", StringComparison.Ordinal));
            using var http = new HttpClient();
            var ready = await http.GetAsync(new Uri(sockway.ManagementUri, "/readyz"));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("cannot be read", await ready.Content.ReadAsStringAsync());
            using (var fresh = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/good")))
            {
                Assert.Equal("still served", await fresh.RoundTripAsync("still served"));
            }

            Assert.Equal("held", await held.RoundTripAsync("held"));
        }
        finally
        {
            Directory.Move(moved, routes.Path);
        }

        routes.Write("added.yaml", Manifests.Route("added", "/added", "echo"));
        await sockway.WaitForRouteAsync("default/added", 1);
        Assert.Null((await RouteReport.ReadAsync(sockway)).SourceProblem);
        Assert.Equal("held", await held.RoundTripAsync("held"));
    }

    [Fact]
    public async Task A_missing_routes_directory_at_start_exits_non_zero_with_one_line()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sockway-missing-" + Guid.NewGuid().ToString("N"));
        var dll = Path.Combine(AppContext.BaseDirectory, "sockway.dll");
        Assert.True(File.Exists(dll), dll);
        using var process = Process.Start(new ProcessStartInfo("dotnet",
            [dll, "--routes", missing, "--bind-address", "127.0.0.1", "--http-port", "0", "--management-port", "0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.NotEqual(0, process.ExitCode);
        var lines = ((await stderr) + (await stdout)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains(missing, line);
        Assert.Contains("does not exist", line);
    }

    private static void WriteConfigMapVersion(string root, string version, string goodYaml)
    {
        Directory.CreateDirectory(Path.Combine(root, version));
        File.WriteAllText(Path.Combine(root, version, "good.yaml"), goodYaml);
        var link = Path.Combine(root, "..data_tmp");
        File.CreateSymbolicLink(link, version);
        // rename(2), as the kubelet swaps it (File.Move refuses a link to a directory).
        Assert.Equal(0, Rename(link, Path.Combine(root, "..data")));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);
}
