using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Controller.Sources;
using Sockway.Gateway.Configuration;
using Sockway.Testing;

namespace Sockway.Bench.ConfigScale;

/// <summary>
/// Loads 10,000 routes (one Service each) and 50,000 endpoints from manifest files, then measures one endpoint change
/// and one route change (wall time from the file write to the gateway serving it, the pipeline's own apply time, and
/// process CPU), the control plane's managed heap, and 100 endpoint changes per second for 60 s while 1,000 tunnels
/// stay open (none may drop). Files rather than a fake API server: it is the whole path a user has (source, pipeline,
/// translator, YARP, certificates) and the directory source re-parses only the file that changed, as an informer
/// hands on only the object that changed. All endpoints but the echo backend's are loopback addresses never dialled.
/// </summary>
internal static class ClusterScale
{
    private const int EndpointsPerService = 5;

    public static async Task<string> RunAsync(bool quick)
    {
        var routeCount = quick ? 2_000 : 10_000;
        var tunnels = quick ? 200 : 1_000;
        var churnSeconds = quick ? 10 : 60;
        var report = new StringBuilder();
        await using var backend = await TestBackend.StartAsync("echo");
        using var routes = new RouteDirectory();
        Progress($"writing {routeCount} routes and {routeCount * EndpointsPerService} endpoints");
        // 100 routes (with their Services and slices) per file; route 0's slice alone in hot.yaml, which the changes rewrite.
        for (var file = 0; file < routeCount / 100; file++)
        {
            routes.Write($"routes-{file:D3}.yaml", RouteFile(file, null));
        }

        var generation = 0;
        void WriteHot(int extra) => routes.Write("hot.yaml", Slice(0, [$"127.0.0.1:{backend.Port}", .. Enumerable.Range(0, extra).Select(e => $"127.0.1.{e + 1}:9")]));
        WriteHot(0);

        using var applies = new ApplyDurations();
        var started = Stopwatch.GetTimestamp();
        await using var sockway = await SockwayHost.StartAsync(routes.Path, false,
            "--Sockway:Standalone:PollInterval", "00:00:00.100", "--Sockway:CoalesceWindow", "00:00:00");
        await WaitAsync(sockway, c => c.Routes.Count == routeCount && c.Routes.Sum(r => r.Endpoints.Count) == routeCount * EndpointsPerService - EndpointsPerService + 1,
            TimeSpan.FromMinutes(5));
        var loadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Progress($"loaded in {loadSeconds:F1} s");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heapMiB = GC.GetTotalMemory(true) / 1048576.0;
        var rssMiB = Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
        var translator = TranslatorAlone.Measure(sockway.App.Services.GetRequiredService<SnapshotPublisher>().Latest!);

        // One endpoint change (route 0's slice gains an endpoint), measured several times; medians.
        var endpointChange = new List<(double WallMs, double ApplyMs, double CpuMs)>();
        for (var round = 0; round < 7; round++)
        {
            var extra = round % 2 == 0 ? 0 : 1;
            if (round == 0)
            {
                WriteHot(1);
                await WaitAsync(sockway, c => Route0(c).Endpoints.Count == 2, TimeSpan.FromSeconds(60));
            }

            endpointChange.Add(await MeasureAsync(sockway, applies, () => WriteHot(extra), c => Route0(c).Endpoints.Count == 1 + extra));
        }

        // One route change: route 1's path changes (its file, 100 routes, is re-read).
        var routeChange = new List<(double WallMs, double ApplyMs, double CpuMs)>();
        for (var round = 0; round < 5; round++)
        {
            var path = $"/r1-v{++generation}";
            routeChange.Add(await MeasureAsync(sockway, applies, () => RewriteFirstFile(routes, path), c => c.Routes.Any(r => r.Path == path)));
        }

        // 1,000 tunnels through route 0; 100 endpoint changes per second for 60 s; every tunnel must survive and echo.
        Progress($"opening {tunnels} tunnels");
        var clients = new List<ClientWebSocket>();
        for (var i = 0; i < tunnels; i++)
        {
            var client = new ClientWebSocket();
            await client.ConnectAsync(sockway.WebSocketUri("/r0"), CancellationToken.None);
            clients.Add(client);
        }

        Progress($"{churnSeconds} s of 100 endpoint changes per second");
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var churnStart = Stopwatch.GetTimestamp();
        var changes = 0;
        var appliesBefore = applies.Count;
        while (Stopwatch.GetElapsedTime(churnStart).TotalSeconds < churnSeconds)
        {
            WriteHot(1 + (changes % 4));
            changes++;
            var due = TimeSpan.FromMilliseconds(10 * changes) - Stopwatch.GetElapsedTime(churnStart);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
        }

        var churnCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var churnElapsed = Stopwatch.GetElapsedTime(churnStart).TotalSeconds;
        var churnApplies = applies.Count - appliesBefore;
        var dropped = 0;
        var payload = "still here"u8.ToArray();
        var buffer = new byte[64];
        foreach (var client in clients)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await client.SendAsync(payload, WebSocketMessageType.Text, true, timeout.Token);
                var received = await client.ReceiveAsync(buffer, timeout.Token);
                dropped += client.State == WebSocketState.Open && received.Count == payload.Length ? 0 : 1;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                dropped++;
            }
        }

        clients.ForEach(c => c.Dispose());
        report.AppendLine($"### Config at cluster scale: {routeCount:N0} routes, {routeCount * EndpointsPerService:N0} endpoints (standalone files, in process)");
        report.AppendLine();
        report.AppendLine("| figure | value |");
        report.AppendLine("|---|---|");
        report.AppendLine($"| initial load (files to served config) | {loadSeconds:F1} s |");
        report.AppendLine($"| managed heap after load (whole process: gateway + control plane + files) | {heapMiB:F0} MiB (RSS {rssMiB:F0} MiB) |");
        report.Append(translator);
        Row(report, "one endpoint change", endpointChange);
        Row(report, "one route change (its 100-route file re-read)", routeChange);
        report.AppendLine($"| {churnSeconds} s of endpoint changes, {tunnels:N0} tunnels open | {changes} changes written, {churnApplies} applies, {churnCpu / churnElapsed * 100:F0}% of one core, {dropped} tunnel(s) dropped |");
        return report.ToString();
    }

    private static GatewayRoute Route0(GatewayConfig config) => config.Routes.First(r => r.Id == "default/r0");

    private static void Row(StringBuilder report, string name, List<(double WallMs, double ApplyMs, double CpuMs)> samples) =>
        report.AppendLine($"| {name}: write to served (median of {samples.Count}) | {Median(samples.Select(s => s.WallMs)):F1} ms wall, {Median(samples.Select(s => s.ApplyMs)):F1} ms pipeline apply, {Median(samples.Select(s => s.CpuMs)):F1} ms CPU |");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static async Task<(double WallMs, double ApplyMs, double CpuMs)> MeasureAsync(SockwayHost sockway, ApplyDurations applies, Action change, Func<GatewayConfig, bool> served)
    {
        await Task.Delay(300);
        var before = applies.Count;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        change();
        await WaitAsync(sockway, served, TimeSpan.FromSeconds(60));
        var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var applyMs = await applies.LastAsync(before);
        Progress($"  {wall:F1} ms wall, {applyMs:F1} ms apply, {cpuMs:F1} ms CPU");
        return (wall, applyMs, cpuMs);
    }

    // A tight poll (1 ms): the figure is the write-to-served time, not a polling interval.
    private static async Task WaitAsync(SockwayHost sockway, Func<GatewayConfig, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var seen = default(GatewayConfig);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var current = sockway.Gateway.Current;
            if (!ReferenceEquals(current, seen))
            {
                seen = current;
                if (sockway.Gateway.HasConfig && condition(current))
                {
                    return;
                }
            }

            await Task.Delay(1);
        }

        throw new TimeoutException("the config was not served in time");
    }

    private static void RewriteFirstFile(RouteDirectory routes, string path) => routes.Write("routes-000.yaml", RouteFile(0, path));

    // 100 routes, each with its Service and (but route 0's, which is in hot.yaml) its slice; route 1 at path1 if given.
    private static string RouteFile(int file, string? path1)
    {
        var documents = new List<string>();
        for (var i = file * 100; i < (file + 1) * 100; i++)
        {
            documents.Add(Manifests.Route($"r{i}", i == 1 && path1 is not null ? path1 : $"/r{i}", $"s{i}"));
            documents.Add(Manifests.Service($"s{i}"));
            if (i != 0)
            {
                documents.Add(Slice(i, EndpointsOf(i)));
            }
        }

        return Manifests.Join([.. documents]);
    }

    private static IEnumerable<string> EndpointsOf(int route) =>
        Enumerable.Range(0, EndpointsPerService).Select(e => $"127.{route / 250 % 250 + 1}.{route % 250}.{e + 1}:9");

    private static string Slice(int route, IEnumerable<string> endpoints)
    {
        var text = new StringBuilder($"""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: s{route}-slice
              namespace: default
              labels:
                kubernetes.io/service-name: s{route}
            addressType: IPv4
            ports:
              - name: http
                port: PORT
            endpoints:

            """);
        var port = endpoints.Select(e => e.Split(':')[1]).First();
        foreach (var endpoint in endpoints)
        {
            text.Append($"  - addresses: [\"{endpoint.Split(':')[0]}\"]\n");
        }

        return text.Replace("PORT", port).Append('\n').ToString();
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[config-scale] {message}");

    /// <summary>The pipeline's own apply durations (sockway.config.apply.duration), as they are recorded.</summary>
    private sealed class ApplyDurations : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<double> _seconds = [];

        public ApplyDurations()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "sockway.config.apply.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
            {
                lock (_seconds)
                {
                    _seconds.Add(value);
                }
            });
            _listener.Start();
        }

        public int Count
        {
            get
            {
                lock (_seconds)
                {
                    return _seconds.Count;
                }
            }
        }

        /// <summary>The latest apply's duration in ms, once one after <paramref name="after"/> applies was recorded.</summary>
        public async Task<double> LastAsync(int after)
        {
            for (var i = 0; i < 2000 && Count <= after; i++)
            {
                await Task.Delay(1);
            }

            lock (_seconds)
            {
                return _seconds.Count > after ? _seconds[^1] * 1000 : double.NaN;
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
