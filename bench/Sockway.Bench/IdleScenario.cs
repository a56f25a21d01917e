using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Sockway.Bench;

/// <summary>
/// Opens idle WebSockets in steps (e.g. 2000 then 10000), holds them, and reads the proxy's RSS at each step: the slope
/// between two steps is the proxy's memory per idle proxied connection. Raw sockets, so the client side can spread over
/// 127.0.0.x source addresses (each gives another ~28k ephemeral ports) for large counts.
/// </summary>
internal static class IdleScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Url();
        // Several pids (nginx's master and workers) are summed.
        var pids = options.Get("pid", "0").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var counts = options.Get("counts", "1000,4000,9000").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var hold = TimeSpan.FromSeconds(options.Double("hold", 5));
        // --max N: after the steps, keep opening (in batches, each connection bounded by a timeout) until one fails
        // or N are open: the most tunnels this process holds under this machine's descriptor limit.
        var max = options.Int("max", 0);
        var sockets = new List<Socket>();
        var opened = new List<(int Count, long Kib)>();
        var held = new List<(int Count, long Kib)>();
        var baseKib = pids.Sum(Rss);
        var stoppedBy = string.Empty;
        try
        {
            foreach (var target in counts)
            {
                await OpenUpToAsync(url, sockets, target);
                opened.Add((sockets.Count, pids.Sum(Rss)));
                await Task.Delay(hold);
                held.Add((sockets.Count, pids.Sum(Rss)));
                Console.Error.WriteLine($"[idle] {sockets.Count} open, proxy RSS {opened[^1].Kib} KiB just opened, {held[^1].Kib} KiB after {hold.TotalSeconds:0} s");
            }

            if (max > sockets.Count)
            {
                await OpenUpToAsync(url, sockets, max);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException or OperationCanceledException)
        {
            stoppedBy = ex.Message;
            Console.Error.WriteLine($"[idle] stopped at {sockets.Count} connections: {ex.Message}");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        Console.WriteLine(LatencyRecorder.Json([("scenario", "idle"), ("held", held.Count > 0 ? held[^1].Count : 0), ("max_held", sockets.Count),
            ("stopped_by", stoppedBy.Replace('"', '\'')), ("base_kib", baseKib), ("rss_kib", held.Count > 0 ? held[^1].Kib : 0),
            ("steps", string.Join(" ", held.Select((h, i) => $"{h.Count}:{opened[i].Kib}:{h.Kib}"))),
            ("kib_per_connection_opened", Slope(opened)), ("kib_per_connection", Slope(held))]));
        return 0;
    }

    private static async Task OpenUpToAsync(Uri url, List<Socket> sockets, int target)
    {
        while (sockets.Count < target)
        {
            var batch = Math.Min(500, target - sockets.Count);
            var tasks = Enumerable.Range(sockets.Count, batch).Select(i => OpenAsync(url, i)).ToArray();
            try
            {
                await Task.WhenAll(tasks);
            }
            finally
            {
                // Keep (and later close) every socket that did open, also when others of the batch failed.
                sockets.AddRange(tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            Console.Error.WriteLine($"[idle] {sockets.Count}/{target} open");
        }
    }

    /// <summary>Least-squares slope of RSS over connections, KiB per connection: linear when the points lie on it.</summary>
    private static double Slope(List<(int Count, long Kib)> points)
    {
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var meanX = points.Average(p => (double)p.Count);
        var meanY = points.Average(p => (double)p.Kib);
        return points.Sum(p => (p.Count - meanX) * (p.Kib - meanY)) / points.Sum(p => (p.Count - meanX) * (p.Count - meanX));
    }

    private static async Task<Socket> OpenAsync(Uri url, int index)
    {
        // A proxy out of descriptors accepts nothing while the kernel completes the TCP handshake: bounded wait.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Spread over 127.0.0.2-127.0.0.250 as source addresses: ephemeral ports are per (source, destination) pair.
            socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (index % 249)}"), 0));
            await socket.ConnectAsync(IPAddress.Parse(url.Host == "localhost" ? "127.0.0.1" : url.Host), url.Port, timeout.Token);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
            var buffer = new byte[1024];
            var head = new StringBuilder();
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await socket.ReceiveAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    throw new IOException("closed during handshake");
                }

                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            if (!head.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("no 101: " + head.ToString().Split('\r')[0]);
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static long Rss(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return status is null ? 0 : long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
