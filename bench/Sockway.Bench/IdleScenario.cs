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
        var counts = options.Get("counts", "2000,10000").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        var hold = TimeSpan.FromSeconds(options.Double("hold", 5));
        var sockets = new List<Socket>();
        var rss = new List<(int Count, long Kib)>();
        try
        {
            foreach (var target in counts)
            {
                while (sockets.Count < target)
                {
                    var batch = Math.Min(500, target - sockets.Count);
                    sockets.AddRange(await Task.WhenAll(Enumerable.Range(sockets.Count, batch).Select(i => OpenAsync(url, i))));
                    Console.Error.WriteLine($"[idle] {sockets.Count}/{target} open");
                }

                await Task.Delay(hold);
                GC.Collect();
                rss.Add((sockets.Count, pids.Sum(Rss)));
                Console.Error.WriteLine($"[idle] {sockets.Count} held, proxy RSS {rss[^1].Kib} KiB");
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"[idle] stopped at {sockets.Count} connections: {ex.Message}");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        var perConnection = rss.Count >= 2 ? (double)(rss[^1].Kib - rss[0].Kib) / (rss[^1].Count - rss[0].Count) : double.NaN;
        Console.WriteLine(LatencyRecorder.Json([("scenario", "idle"), ("held", rss.Count > 0 ? rss[^1].Count : 0),
            ("rss_kib", rss.Count > 0 ? rss[^1].Kib : 0), ("kib_per_connection", perConnection)]));
        return 0;
    }

    private static async Task<Socket> OpenAsync(Uri url, int index)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Spread over 127.0.0.2-127.0.0.250 as source addresses: ephemeral ports are per (source, destination) pair.
        socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (index % 249)}"), 0));
        await socket.ConnectAsync(IPAddress.Parse(url.Host == "localhost" ? "127.0.0.1" : url.Host), url.Port);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[1024];
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer);
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

    private static long Rss(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return status is null ? 0 : long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
