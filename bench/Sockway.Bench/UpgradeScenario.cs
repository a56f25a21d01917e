using System.Diagnostics;
using System.Net.WebSockets;

namespace Sockway.Bench;

/// <summary>New WebSockets per second: each connects, exchanges the Close handshake cleanly, and is replaced.</summary>
internal static class UpgradeScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Url();
        var concurrency = options.Int("concurrency", 32);
        var warmup = options.Double("warmup", 0);
        if (warmup > 0)
        {
            // The same loop, unrecorded: the proxy is measured warm (see EchoScenario).
            await RunLoopAsync(url, concurrency, Options.After(warmup), "warming up: ");
        }

        var start = Stopwatch.GetTimestamp();
        var (done, failed) = await RunLoopAsync(url, concurrency, options.Deadline(10), string.Empty);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine(LatencyRecorder.Json([("scenario", "upgrades"), ("upgrades_per_s", done / elapsed), ("failed", failed)]));
        return 0;
    }

    private static async Task<(long Done, long Failed)> RunLoopAsync(Uri url, int concurrency, long end, string label)
    {
        long done = 0;
        long failed = 0;
        using var progress = Progress.Every(TimeSpan.FromSeconds(1), () => $"[upgrades] {label}{Interlocked.Read(ref done)} done, {Interlocked.Read(ref failed)} failed");
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                using var socket = new ClientWebSocket();
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.ConnectAsync(url, timeout.Token);
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                    Interlocked.Increment(ref done);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        return (done, failed);
    }
}
