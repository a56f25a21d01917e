using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Testing;
using Sockway.Tests.Gateway;
using Sockway.Tests.Hosting;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>Spans as a collector receives them: exported over OTLP/HTTP to a real receiver, or printed by the console exporter.</summary>
/// <remarks>
/// A host's tracer provider hears every Sockway span in the process, and a busy test's thousands of upgrades would
/// crowd this one's out of its export queue; so this class runs alone, with <see cref="TracingTests"/>.
/// </remarks>
[Collection(nameof(TracingTests))]
public sealed class TraceExportTests
{
    [Fact]
    public async Task Upgrade_spans_reach_an_otlp_collector_under_the_callers_trace_and_the_configured_resource()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var backend = await TestBackend.StartAsync("echo");
        // A route name of this test's own: every host in the process hears every Sockway span.
        var name = "otlp" + Guid.NewGuid().ToString("N")[..8];
        using var routes = new RouteDirectory();
        routes.Write("r.yaml", Manifests.Join(Manifests.Route(name, "/" + name, "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [backend.Port]));
        await using var sockway = await SockwayHost.StartAsync(routes.Path, false,
            "--OTEL_EXPORTER_OTLP_ENDPOINT", collector.Endpoint.ToString().TrimEnd('/'),
            "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY", "100",
            "--OTEL_SERVICE_NAME", "edge-" + name,
            "--OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=issue14");
        await sockway.WaitForRouteAsync("default/" + name, 1);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        // A raw handshake: an HttpClient in this process would put its own span's id in traceparent.
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, sockway.HttpUri.Port);
            var stream = tcp.GetStream();
            var request = RawHttp.UpgradeRequest("127.0.0.1", "/" + name).Replace("\r\n\r\n", $"\r\ntraceparent: 00-{traceId}-00f067aa0ba902b7-01\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(stream));
        }

        using var plain = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/" + name));
        byte[][] span = [Utf8("websocket.upgrade"), Utf8("default/" + name)];
        await Eventually.TrueAsync(() => collector.Traces([.. span, Convert.FromHexString(traceId)]).Any(), TimeSpan.FromSeconds(15),
            because: "the upgrade span with the caller's trace id is exported");
        // The upgrade without a traceparent starts a trace of its own, exported all the same (two upgrade spans in all).
        await Eventually.TrueAsync(() => collector.Traces(span).Sum(b => Occurrences(b, Utf8("websocket.upgrade"))) >= 2, TimeSpan.FromSeconds(15));
        Assert.Contains(collector.Traces(span), b => b.AsSpan().IndexOf(Utf8("edge-" + name)) >= 0 && b.AsSpan().IndexOf(Utf8("issue14")) >= 0);
        Assert.DoesNotContain(collector.Traces(span), b => b.AsSpan().IndexOf(Utf8("edge-" + name)) < 0);
    }

    [Theory]
    [InlineData("--otel-console")]
    [InlineData("env")]
    public async Task The_console_exporter_prints_spans_without_a_collector(string how)
    {
        using var routes = new RouteDirectory();
        string[] args = ["--routes", routes.Path, "--bind-address", "127.0.0.1", "--http-port", "0", "--management-port", "0"];
        using var sockway = how == "env"
            ? SockwayProcess.Start(args, new Dictionary<string, string> { ["OTEL_TRACES_EXPORTER"] = "console" })
            : SockwayProcess.Start([.. args, how]);

        // The first config apply is a span; the exporter prints its name, then the resource it belongs to.
        await Eventually.TrueAsync(() => sockway.Output.Any(l => l.Contains("config.apply", StringComparison.Ordinal))
            && sockway.Output.Any(l => l.Contains("service.name: sockway", StringComparison.Ordinal)), TimeSpan.FromSeconds(30),
            because: "the console exporter prints the config.apply span and its resource");
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static int Occurrences(byte[] haystack, byte[] needle)
    {
        var count = 0;
        for (var span = haystack.AsSpan(); span.IndexOf(needle) is var i and >= 0; span = span[(i + needle.Length)..])
        {
            count++;
        }

        return count;
    }
}
