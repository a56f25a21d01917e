using System.Net.WebSockets;
using System.Text;
using Sockway.Testing;

namespace Sockway.Bench.Balance;

/// <summary>
/// Clients connect and disconnect at random while endpoints join and leave; every 100 ms the spread of open
/// connections over ready backends is sampled as max/mean (1.00 is perfect). Same schedule for every policy.
/// </summary>
internal static class BalanceUnderChurn
{
    private static readonly string[] Policies = ["LeastConnections", "PowerOfTwoLeastConnections", "RoundRobin"];

    public static async Task<string> RunAsync(bool quick)
    {
        var table = new StringBuilder();
        table.AppendLine("### Balance quality under churn (max/mean open connections over ready backends; 1.00 = perfect)");
        table.AppendLine();
        table.AppendLine("| policy | mean of samples | p95 of samples | worst | vs RoundRobin (mean) |");
        table.AppendLine("|---|---|---|---|---|");
        var results = new Dictionary<string, (double Mean, double P95, double Worst)>();
        foreach (var policy in Policies)
        {
            results[policy] = await RunPolicyAsync(policy, quick);
        }

        foreach (var (policy, r) in results)
        {
            table.AppendLine($"| {policy} | {r.Mean:F3} | {r.P95:F3} | {r.Worst:F3} | {r.Mean / results["RoundRobin"].Mean:F3} |");
        }

        return table.ToString();
    }

    private static async Task<(double, double, double)> RunPolicyAsync(string policy, bool quick)
    {
        var seconds = quick ? 8 : 25;
        var clients = quick ? 200 : 400;
        var backends = new List<TestBackend>();
        for (var i = 0; i < 6; i++)
        {
            backends.Add(await TestBackend.StartAsync($"b{i}"));
        }

        using var routes = new RouteDirectory();
        var ready = backends.Take(4).ToList();
        void Write() => routes.Write("bench.yaml",
            Manifests.Join(Manifests.Route("bench", "/ws", "bench", extraSpec: $"balancing:\n  policy: {policy}\ntimeouts:\n  drain: 1s"), Manifests.Service("bench"))
            + Manifests.Slices("bench", ready.Select(b => b.Port)));
        Write();
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync("default/bench", 4);

        var random = new Random(42);
        var open = new List<ClientWebSocket>();
        var samples = new List<double>();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var nextChange = DateTime.UtcNow.AddSeconds(2);
        var step = 0;
        while (DateTime.UtcNow < deadline)
        {
            // Churn: keep about `clients` open, replacing ~5% each tick.
            var toClose = open.Count > clients / 2 ? random.Next(0, clients / 20 + 1) : 0;
            for (var i = 0; i < toClose && open.Count > 0; i++)
            {
                var victim = open[random.Next(open.Count)];
                open.Remove(victim);
                _ = victim.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ContinueWith(_ => victim.Dispose(), TaskScheduler.Default);
            }

            var toOpen = Math.Max(0, clients - open.Count);
            var opened = await Task.WhenAll(Enumerable.Range(0, Math.Min(toOpen, clients / 10 + 1)).Select(_ => TryConnect(sockway)));
            open.AddRange(opened.OfType<ClientWebSocket>());
            open.RemoveAll(s => s.State != WebSocketState.Open);

            if (DateTime.UtcNow >= nextChange)
            {
                // Endpoints join and leave: a rollout in miniature.
                if (ready.Count > 3 && random.Next(2) == 0)
                {
                    ready.RemoveAt(random.Next(ready.Count));
                }
                else
                {
                    var spare = backends.Except(ready).ToList();
                    if (spare.Count > 0)
                    {
                        ready.Add(spare[random.Next(spare.Count)]);
                    }
                }

                Write();
                nextChange = DateTime.UtcNow.AddSeconds(2);
            }

            await Task.Delay(100);
            var counts = ready.Select(b => b.OpenSockets).ToList();
            var mean = counts.Average();
            if (mean > 0)
            {
                samples.Add(counts.Max() / mean);
            }

            if (++step % 20 == 0)
            {
                Console.Error.WriteLine($"[churn {policy}] {(deadline - DateTime.UtcNow).TotalSeconds:F0}s left, {open.Count} open, ready={ready.Count}, max/mean={samples[^1]:F2}");
            }
        }

        foreach (var socket in open)
        {
            socket.Abort();
            socket.Dispose();
        }

        foreach (var backend in backends)
        {
            await backend.DisposeAsync();
        }

        samples.Sort();
        return (samples.Average(), samples[(int)(samples.Count * 0.95)], samples[^1]);
    }

    private static async Task<ClientWebSocket?> TryConnect(SockwayHost sockway)
    {
        try
        {
            return await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/ws"));
        }
        catch (WebSocketException)
        {
            return null;
        }
    }
}
