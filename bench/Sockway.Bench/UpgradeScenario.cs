using System.Diagnostics;
using System.Net.WebSockets;

namespace Sockway.Bench;

/// <summary>
/// New WebSockets per second: each worker connects, exchanges one 64-byte echo, closes with a clean Close handshake,
/// and starts over. With <c>--pid</c>, the peer's CPU per upgrade over the measured window.
/// </summary>
internal static class UpgradeScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Url();
        var concurrency = options.Int("concurrency", 16);
        var warmup = options.Double("warmup", 0);
        if (warmup > 0)
        {
            // The same loop, unrecorded: the proxy is measured warm (see EchoScenario).
            await RunLoopAsync(url, concurrency, Options.After(warmup), "warming up: ");
        }

        var cpu = new ProcessCpu(options);
        cpu.Start();
        var start = Stopwatch.GetTimestamp();
        var (done, failed) = await RunLoopAsync(url, concurrency, options.Deadline(10), string.Empty);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine(LatencyRecorder.Json([("scenario", "upgrades"), ("upgrades_per_s", done / elapsed), ("failed", failed),
            ("cpu_us_per_upgrade", cpu.MicrosecondsPer(done))]));
        return 0;
    }

    private static async Task<(long Done, long Failed)> RunLoopAsync(Uri url, int concurrency, long end, string label)
    {
        long done = 0;
        long failed = 0;
        using var progress = Progress.Every(TimeSpan.FromSeconds(1), () => $"[upgrades] {label}{Interlocked.Read(ref done)} done, {Interlocked.Read(ref failed)} failed");
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var payload = new byte[64];
            var buffer = new byte[1024];
            while (Stopwatch.GetTimestamp() < end)
            {
                using var socket = new ClientWebSocket();
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.ConnectAsync(url, timeout.Token);
                    await socket.SendAsync(payload, WebSocketMessageType.Binary, true, timeout.Token);
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer, timeout.Token);
                    }
                    while (!result.EndOfMessage);

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
