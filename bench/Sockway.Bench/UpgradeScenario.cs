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
        var end = options.Deadline(10);
        long done = 0;
        long failed = 0;
        var start = Stopwatch.GetTimestamp();
        using var progress = Progress.Every(TimeSpan.FromSeconds(1), () => $"[upgrades] {Interlocked.Read(ref done)} done, {Interlocked.Read(ref failed)} failed");
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
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine(LatencyRecorder.Json([("scenario", "upgrades"), ("upgrades_per_s", done / elapsed), ("failed", failed)]));
        return 0;
    }
}
