using System.Diagnostics;
using System.Globalization;
using Sockway.Kubernetes.Tests;
using Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>
/// `--status-routes N`: N routes appear in the API double at once (as a `kubectl apply` of one big manifest); the time
/// until the leader has written every route's status, at the default QPS/burst unless `--status-qps` / `--status-burst`
/// follow. Bounded: 10 minutes.
/// </summary>
internal static class StatusAtScale
{
    public static async Task<int> RunAsync(int routes, string[] extraArgs)
    {
        await using var api = await KubeApiDouble.StartAsync();
        var cluster = new Cluster(api.Store);
        await using var sockway = await KubernetesSockway.StartAsync(api.Url, extraArgs);
        cluster.ApplyService("echo");
        cluster.ApplySlice("echo", 9);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < routes; i++)
        {
            cluster.ApplyRoute($"many-{i}", $"/many-{i}", "echo");
        }

        var deadline = started + (long)(600 * Stopwatch.Frequency);
        var servedAt = 0.0;
        while (sockway.StatusWriter.Writes < routes && Stopwatch.GetTimestamp() < deadline)
        {
            if (servedAt == 0 && sockway.Gateway.Current.Routes.Count == routes)
            {
                servedAt = Stopwatch.GetElapsedTime(started).TotalSeconds;
            }

            await Task.Delay(50);
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{routes} routes applied at once: all served after {servedAt:F1} s; {sockway.StatusWriter.Writes} status writes after {elapsed:F1} s ({sockway.StatusWriter.Writes / elapsed:F0} per second overall) [{string.Join(' ', extraArgs)}]"));
        return sockway.StatusWriter.Writes >= routes ? 0 : 1;
    }
}
