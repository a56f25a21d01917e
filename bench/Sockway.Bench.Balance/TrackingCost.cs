using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Sockway.Testing;

namespace Sockway.Bench.Balance;

/// <summary>
/// Echo throughput through Sockway with frame tracking on (Sockway's tracked tunnel) and off (YARP's plain copy),
/// same backends, same load, alternating runs; reported as a ratio.
/// </summary>
internal static class TrackingCost
{
    public static async Task<string> RunAsync(bool quick)
    {
        var rounds = quick ? 2 : 4;
        var on = new List<double>();
        var off = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate the order so warm-up and noise fall on both sides.
            foreach (var tracking in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var rate = await MeasureAsync(tracking, quick);
                (tracking ? on : off).Add(rate);
                Console.Error.WriteLine($"[tracking round {round + 1}/{rounds}] frame tracking {(tracking ? "on " : "off")}: {rate:F0} msgs/s");
            }
        }

        var text = new StringBuilder();
        text.AppendLine("### Echo throughput, frame tracking on vs off (64 connections, 512-byte messages, median of runs)");
        text.AppendLine();
        text.AppendLine("| frame tracking | msgs/s | ratio on/off |");
        text.AppendLine("|---|---|---|");
        var medianOn = Median(on);
        var medianOff = Median(off);
        text.AppendLine($"| on (Sockway tunnel pumps + frame tracker) | {medianOn:F0} | {medianOn / medianOff:F3} |");
        text.AppendLine($"| off (YARP's own copy) | {medianOff:F0} | 1.000 |");
        return text.ToString();
    }

    private static async Task<double> MeasureAsync(bool tracking, bool quick)
    {
        await using var backend = await TestBackend.StartAsync("echo");
        using var routes = new RouteDirectory();
        routes.Write("echo.yaml", Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [backend.Port]));
        await using var sockway = await SockwayHost.StartAsync(routes.Path, false, $"--Sockway:Gateway:FrameTracking={tracking}");
        await sockway.WaitForRouteAsync("default/echo", 1);

        var sockets = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => WebSocketClient.ConnectAsync(sockway.WebSocketUri("/ws"))));
        var payload = new byte[512];
        var duration = TimeSpan.FromSeconds(quick ? 3 : 6);
        long total = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(sockets.Select(async socket =>
        {
            var buffer = new byte[4096];
            while (watch.Elapsed < duration)
            {
                await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
                var received = 0;
                while (received < payload.Length)
                {
                    received += (await socket.ReceiveAsync(buffer, CancellationToken.None)).Count;
                }

                Interlocked.Increment(ref total);
            }
        }));
        var rate = total / watch.Elapsed.TotalSeconds;
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        return rate;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
