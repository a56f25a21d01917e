using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sockway.Testing;

namespace Sockway.Tests.Telemetry;

/// <summary>
/// A real Prometheus (the `prometheus` binary, e.g. Debian's package) scraping one Sockway management port every
/// second, on loopback, with its data in a temporary directory; queried over its HTTP API.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http = new();

    private PrometheusServer(Process process, string directory, Uri api)
    {
        _process = process;
        _directory = directory;
        _http.BaseAddress = api;
    }

    /// <summary>The binary on PATH, or null with the reason.</summary>
    public static string? Find(out string why)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "prometheus")).FirstOrDefault(File.Exists);
        why = found is null ? "no prometheus binary on PATH (apt-get install prometheus)" : string.Empty;
        return found;
    }

    public static async Task<PrometheusServer> StartAsync(string binary, Uri target)
    {
        var directory = Directory.CreateTempSubdirectory("sockway-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: sockway
                static_configs:
                  - targets: ["127.0.0.1:{target.Port}"]
            """);
        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo(binary,
        [
            "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(directory, "data"), $"--web.listen-address=127.0.0.1:{port}",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        await Eventually.SucceedsAsync(async () => (await server._http.GetAsync("-/ready")).EnsureSuccessStatusCode(), TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>Evaluates an instant query; the API's status and the (label set, value) pairs of a vector result.</summary>
    public async Task<(string Status, string? Error, List<(Dictionary<string, string> Labels, double Value)> Vector)> QueryAsync(string expr)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(expr));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        var status = root.GetProperty("status").GetString()!;
        if (status != "success")
        {
            return (status, root.GetProperty("error").GetString(), []);
        }

        var data = root.GetProperty("data");
        var vector = data.GetProperty("resultType").GetString() == "vector"
            ? data.GetProperty("result").EnumerateArray().Select(r => (
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(r.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture))).ToList()
            : [];
        return (status, null, vector);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
