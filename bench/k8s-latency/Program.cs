using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Sockway.Kubernetes.Tests;
using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;

// Kubernetes mode, end to end on loopback: the real Sockway app and KubernetesClient against the API double.
// 1) route applied -> first successful WebSocket upgrade through the gateway on that route;
// 2) EndpointSlice for a new backend applied -> first tunnel that lands on that backend.
// The clock starts when the object is in the API double's store (what `kubectl apply` returning means).
// 3) --status-routes N [--status-qps Q --status-burst B]: N routes at once, time until every status is written.
if (args.Length >= 2 && args[0] == "--status-routes")
{
    Environment.SetEnvironmentVariable("SOCKWAY_TEST_LOG_LEVEL", "Error");
    return await StatusAtScale.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), args[2..]);
}

var trials = args.Length == 2 && args[0] == "--trials" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
Environment.SetEnvironmentVariable("SOCKWAY_TEST_LOG_LEVEL", "Error");

await using var api = await KubeApiDouble.StartAsync();
var cluster = new Cluster(api.Store);
await using var stable = await TestBackend.StartAsync("stable");
await using var joining = await TestBackend.StartAsync("joining");
await using var sockway = await KubernetesSockway.StartAsync(api.Url);
cluster.ApplyService("echo");
cluster.ApplySlice("echo", stable.Port);

// Warm-up (JIT, connection pools), not measured.
cluster.ApplyRoute("warmup", "/warmup", "echo");
await UpgradeAsync(sockway, "/warmup", untilBackend: null);

var routeLatencies = new List<double>();
for (var i = 0; i < trials; i++)
{
    var started = Stopwatch.GetTimestamp();
    cluster.ApplyRoute($"trial-{i}", $"/trial-{i}", "echo");
    await UpgradeAsync(sockway, $"/trial-{i}", untilBackend: null);
    routeLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

// The joining backend has no tunnels while the stable one keeps some open, so least-connections picks it as
// soon as the gateway knows it.
var endpointLatencies = new List<double>();
using var anchor = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/warmup"));
for (var i = 0; i < trials; i++)
{
    var started = Stopwatch.GetTimestamp();
    cluster.ApplySlice("echo", joining.Port);
    await UpgradeAsync(sockway, "/warmup", untilBackend: "joining");
    endpointLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    cluster.DeleteSlice("echo", joining.Port);
    await sockway.WaitForConfigAsync(c => c.Routes.All(r => r.Endpoints.All(e => e.Port != joining.Port)));
}

Console.WriteLine($"Sockway Kubernetes-mode latency, {trials} trials each, API double + gateway + backends on loopback ({Environment.ProcessorCount} CPU(s))");
Report("route applied -> first successful upgrade", routeLatencies);
Report("endpoint added -> first connection to it ", endpointLatencies);
return 0;

static void Report(string what, List<double> samples)
{
    var sorted = samples.Order().ToList();
    double Rank(double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {what}: p50 {Rank(0.50):F1} ms  p99 {Rank(0.99):F1} ms  (min {sorted[0]:F1}, max {sorted[^1]:F1}, mean {sorted.Average():F1})"));
}

// Tries upgrades back to back until one succeeds (on the wanted backend, if any); the tunnels stay open so the
// balancer keeps steering new ones elsewhere.
static async Task UpgradeAsync(KubernetesSockway sockway, string path, string? untilBackend)
{
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
    var held = new List<ClientWebSocket>();
    try
    {
        while (DateTime.UtcNow < deadline)
        {
            ClientWebSocket socket;
            try
            {
                socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri(path));
            }
            catch (WebSocketException)
            {
                await Task.Delay(1);
                continue;
            }

            held.Add(socket);
            if (untilBackend is null || await socket.WhoAmIAsync() == untilBackend)
            {
                return;
            }
        }

        throw new TimeoutException($"no upgrade on {path} within 30 s");
    }
    finally
    {
        foreach (var socket in held)
        {
            socket.Abort();
            socket.Dispose();
        }
    }
}
