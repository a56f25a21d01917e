using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;

namespace Sockway.Bench;

/// <summary>
/// N connections echoing S-byte messages. Closed loop (default): each connection sends, waits for the echo, repeats —
/// the max rate. Fixed rate (--rate R msgs/s in total): sends happen on a schedule whatever the replies do, and each
/// round trip is measured from its intended send time, so slow responses cannot hide latency (no coordinated omission).
/// --warmup W runs the closed loop for W seconds on the same connections first, unrecorded.
/// </summary>
internal static class EchoScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Url();
        var connections = options.Int("connections", 50);
        var size = Math.Max(16, options.Int("size", 64));
        var seconds = options.Double("seconds", 10);
        var rate = options.Double("rate", 0);
        var warmup = options.Double("warmup", 0);
        var sockets = await Connect.ManyAsync(url, connections);
        if (warmup > 0)
        {
            // Same connections, same messages, nothing recorded: a JIT-compiled proxy is measured in its steady
            // state, as it runs in production, and a native one is unaffected.
            var warm = new LatencyRecorder(connections);
            var warmEnd = Options.After(warmup);
            using (Progress.Every(TimeSpan.FromSeconds(1), () => $"[echo] warming up: {warm.Count} round trips"))
            {
                await Task.WhenAll(sockets.Select((socket, i) => ClosedLoopAsync(socket, i, size, warmEnd, warm)));
            }
        }

        var recorder = new LatencyRecorder(connections);
        var cpu = new ProcessCpu(options);
        // Messages sent per connection in fixed-rate mode: any never answered are reported, not silently dropped.
        var sent = new long[connections];
        cpu.Start();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(seconds * Stopwatch.Frequency);
        using var progress = Progress.Every(TimeSpan.FromSeconds(1), () => $"[echo] {recorder.Count} round trips");
        await Task.WhenAll(sockets.Select((socket, i) => rate > 0
            ? FixedRateAsync(socket, i, connections, size, rate / connections, start, end, recorder, sent)
            : ClosedLoopAsync(socket, i, size, end, recorder)));
        // Fixed rate: the receivers linger up to 2 s for stragglers, so divide by the schedule's length, not the wall time.
        var elapsed = rate > 0 ? seconds : Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpuPerMessage = cpu.MicrosecondsPer(recorder.Count);
        await Connect.CloseAllAsync(sockets);
        var p = recorder.PercentilesMs();
        Console.WriteLine(LatencyRecorder.Json([("scenario", "echo"), ("mode", rate > 0 ? "fixed" : "closed"), ("connections", connections), ("size", size),
            ("msgs_per_s", recorder.Count / elapsed), ("p50_ms", p["p50"]), ("p90_ms", p["p90"]), ("p99_ms", p["p99"]), ("p999_ms", p["p999"]), ("cpu_us_per_msg", cpuPerMessage),
            ("sent", rate > 0 ? sent.Sum() : recorder.Count), ("unanswered", rate > 0 ? sent.Sum() - recorder.Count : 0)]));
        return 0;
    }

    private static async Task ClosedLoopAsync(ClientWebSocket socket, int index, int size, long end, LatencyRecorder recorder)
    {
        var payload = new byte[size];
        var buffer = new byte[size + 1024];
        while (Stopwatch.GetTimestamp() < end)
        {
            var sent = Stopwatch.GetTimestamp();
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            await ReceiveOneAsync(socket, buffer);
            recorder.Record(index, Stopwatch.GetTimestamp() - sent);
        }
    }

    private static async Task FixedRateAsync(ClientWebSocket socket, int index, int connections, int size, double perSecond, long start, long end, LatencyRecorder recorder, long[] sent)
    {
        var period = (long)(Stopwatch.Frequency / perSecond);
        // Stagger connections so the total load is smooth, not in bursts.
        var next = start + period * index / connections;
        var receiving = ReceiveStampedAsync(socket, index, size, end, recorder);
        var payload = new byte[size];
        while (next < end)
        {
            var wait = next - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }

            // The intended send time travels in the message; latency is measured from it.
            BinaryPrimitives.WriteInt64LittleEndian(payload, next);
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            sent[index]++;
            next += period;
        }

        await receiving;
    }

    private static async Task ReceiveStampedAsync(ClientWebSocket socket, int index, int size, long end, LatencyRecorder recorder)
    {
        var buffer = new byte[size + 1024];
        var deadline = end + Stopwatch.Frequency * 2;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                var message = await ReceiveOneAsync(socket, buffer, timeout.Token);
                recorder.Record(index, Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(message));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<byte[]> ReceiveOneAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken = default)
    {
        var received = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(received), cancellationToken);
            received += result.Count;
            if (result.EndOfMessage)
            {
                return buffer;
            }
        }
    }
}
