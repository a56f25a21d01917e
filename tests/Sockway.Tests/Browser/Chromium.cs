using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Browser;

/// <summary>
/// Debian's headless Chromium, driven over the DevTools protocol (itself a WebSocket): the page runs in real time
/// and the test reads the DOM with Runtime.evaluate. Skips the test, with the reason, where Chromium cannot run.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _devtools;
    private int _nextId;

    private Chromium(Process process, DirectoryInfo profile, ClientWebSocket devtools)
    {
        _process = process;
        _profile = profile;
        _devtools = devtools;
    }

    public static string? Find(out string why)
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("SOCKWAY_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        var path = candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
        why = path is null ? "Chromium not found (install Debian's 'chromium' package, or set SOCKWAY_CHROMIUM)" : string.Empty;
        return path;
    }

    public static async Task<Chromium> StartAsync(string chromium, string url)
    {
        var profile = Directory.CreateTempSubdirectory("sockway-chromium-");
        var process = Process.Start(new ProcessStartInfo(chromium,
        [
            // The flags this sandbox needs: no setuid sandbox as root, no GPU, no calls home.
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}",
            "--remote-debugging-port=0", url,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _ = process.StandardOutput.ReadToEndAsync();

        // Chromium announces "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/..." on stderr.
        var port = await ReadDevToolsPortAsync(process);
        Skip.If(port is null, $"Chromium could not start here (exit {(process.HasExited ? process.ExitCode : -1)})");

        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        var page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!;
        var devtools = new ClientWebSocket();
        await devtools.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), CancellationToken.None);
        return new Chromium(process, profile, devtools);
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its string value.</summary>
    public async Task<string> EvaluateAsync(string expression)
    {
        var id = ++_nextId;
        var request = JsonSerializer.Serialize(new { id, method = "Runtime.evaluate", @params = new { expression, returnByValue = true } });
        await _devtools.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            var reply = JsonNode.Parse(await _devtools.ReceiveTextAsync(TimeSpan.FromSeconds(10)))!;
            if (reply["id"]?.GetValue<int>() == id)
            {
                return reply["result"]?["result"]?["value"]?.ToString() ?? string.Empty;
            }
        }
    }

    public async Task<string> WaitForTextAsync(string expression, Func<string, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            value = await EvaluateAsync(expression);
            if (done(value))
            {
                break;
            }

            await Task.Delay(100);
        }

        return value;
    }

    private static async Task<int?> ReadDevToolsPortAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                const string marker = "DevTools listening on ws://127.0.0.1:";
                var at = line.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var rest = line[(at + marker.Length)..];
                    _ = process.StandardError.ReadToEndAsync();
                    return int.Parse(rest[..rest.IndexOf('/')]);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _devtools.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
