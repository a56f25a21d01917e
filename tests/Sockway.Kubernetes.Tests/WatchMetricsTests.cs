using System.Net;
using System.Net.Sockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Watch health as Prometheus reads it, with an API server that refuses every connection.</summary>
public sealed class WatchMetricsTests
{
    [Fact]
    public async Task Reconnects_are_counted_from_the_first_failed_attempt_under_short_watch_labels()
    {
        int refused;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            refused = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var sockway = await KubernetesSockway.StartAsync(new Uri($"http://127.0.0.1:{refused}"), "--leader-elect", "false",
            "--Sockway:Telemetry:MeterName", "Sockway.Test." + Guid.NewGuid().ToString("N"));

        // Never synced: every retry so far is a reconnect, and each watch is labelled by its resource alone.
        var scrape = await PrometheusScrape.WaitForAsync(sockway.ManagementUri,
            s => s.Sum("sockway_controller_watch_reconnects_total", ("watch", "websocketroutes")) >= 2, seconds: 30);
        Assert.InRange(scrape.Sum("sockway_controller_watch_reconnects_total", ("watch", "websocketroutes")), 2, double.MaxValue);
        Assert.Equal(0, scrape.Sum("sockway_controller_watch_synced", ("watch", "websocketroutes")));
        Assert.NotEmpty(scrape.Values("sockway_controller_watch_synced", ("watch", "services")));
        Assert.DoesNotContain(" in all namespaces", scrape.Text);
        Assert.DoesNotContain("websocketroutes.sockway.io", scrape.Text);
    }
}
