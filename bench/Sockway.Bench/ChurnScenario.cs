using System.Diagnostics;
using System.Net.WebSockets;

namespace Sockway.Bench;

/// <summary>
/// Connections open and close continuously while the route file (Sockway standalone mode) is rewritten every 500 ms;
/// counts abnormal closes (anything but a clean Close handshake started by the client).
/// </summary>
internal static class ChurnScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Url();
        var routes = options.Get("routes", string.Empty);
        var end = options.Deadline(10);
        var original = routes.Length > 0 ? await File.ReadAllTextAsync(routes) : string.Empty;
        long sessions = 0;
        long abnormal = 0;
        long reloads = 0;
        using var progress = Progress.Every(TimeSpan.FromSeconds(1), () => $"[churn] {sessions} sessions, {abnormal} abnormal, {reloads} config changes");
        var rewriter = Task.Run(async () =>
        {
            while (routes.Length > 0 && Stopwatch.GetTimestamp() < end)
            {
                await Task.Delay(500);
                // A real change each time: the idle timeout flips, so the gateway applies a new config.
                var idle = Interlocked.Increment(ref reloads) % 2 == 0 ? "1h" : "2h";
                await File.WriteAllTextAsync(routes + ".tmp", original.Replace("idle: 1h", $"idle: {idle}", StringComparison.Ordinal));
                File.Move(routes + ".tmp", routes, overwrite: true);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, options.Int("concurrency", 32)).Select(async _ =>
        {
            var payload = new byte[64];
            var buffer = new byte[1024];
            while (Stopwatch.GetTimestamp() < end)
            {
                using var socket = new ClientWebSocket();
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await socket.ConnectAsync(url, timeout.Token);
                    for (var i = 0; i < 20; i++)
                    {
                        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, timeout.Token);
                        await socket.ReceiveAsync(buffer, timeout.Token);
                    }

                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                    Interlocked.Increment(ref sessions);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                    Interlocked.Increment(ref abnormal);
                }
            }
        }));
        await rewriter;
        if (routes.Length > 0)
        {
            await File.WriteAllTextAsync(routes, original);
        }

        Console.WriteLine(LatencyRecorder.Json([("scenario", "churn"), ("sessions", sessions), ("abnormal", abnormal), ("config_changes", reloads)]));
        return 0;
    }
}
