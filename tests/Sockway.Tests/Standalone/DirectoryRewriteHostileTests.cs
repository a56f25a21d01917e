using Sockway.Testing;
using Sockway.Tests.Corpus;
using Xunit;

namespace Sockway.Tests.Standalone;

/// <summary>
/// The directory source's change-list path meets hostile rewrites: the slice file a real backend is served through is
/// rewritten, under the same object name, into each broken variant in turn. After every one the route still carries
/// a WebSocket to the backend (the last good slice serves), /api/routes names the file, and a good rewrite at the
/// end is served (the config is not frozen).
/// </summary>
public sealed class DirectoryRewriteHostileTests
{
    private static readonly (string Name, string Content)[] Variants =
    [
        ("port not a number", Slice("port: abc")),
        ("port out of range", Slice("port: 70000")),
        ("address not an IP", Slice("port: {PORT}", address: "999.1.1.1")),
        ("unknown address type", Slice("port: {PORT}", family: "IPv9")),
        ("unterminated flow sequence", Slice("port: {PORT}").Replace("addresses: [\"127.0.0.1\"]", "addresses: [\"127.0.0.1\"", StringComparison.Ordinal)),
        ("name dropped", Slice("port: {PORT}").Replace("  name: a-slice\n", string.Empty, StringComparison.Ordinal)),
        ("binary garbage", "\u0000\u0001\u00ff\u00fe{{{\n\t- : :"),
    ];

    [Fact]
    public async Task Each_hostile_rewrite_of_a_served_slice_keeps_the_route_serving_and_names_the_file()
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["routes.yaml"] = Manifests.Join(Manifests.Route("a", "/a", "a"), Manifests.Service("a")),
            ["slice.yaml"] = Slice("port: {PORT}").Replace("{PORT}", s.Backend.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
        }, "default/a");
        var port = scenario.Backend.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var failures = new List<string>();
        var good = Slice("port: " + port);
        foreach (var (name, content) in Variants)
        {
            try
            {
                // From a clean state each time, so the error seen is this variant's own.
                scenario.Routes.Write("slice.yaml", good);
                await Eventually.SucceedsAsync(async () =>
                    Assert.DoesNotContain((await RouteReport.ReadAsync(scenario.Sockway)).Errors, e => e.StartsWith("slice.yaml", StringComparison.Ordinal)));
                scenario.Routes.Write("slice.yaml", content.Replace("{PORT}", port, StringComparison.Ordinal));
                await Eventually.SucceedsAsync(async () =>
                    Assert.Contains((await RouteReport.ReadAsync(scenario.Sockway)).Errors, e => e.StartsWith("slice.yaml", StringComparison.Ordinal)));
                using var socket = await WebSocketClient.ConnectAsync(scenario.Sockway.WebSocketUri("/a"));
                Assert.Equal(name, await socket.RoundTripAsync(name));
            }
            catch (Exception ex)
            {
                failures.Add($"{name}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // A good rewrite after all of them is served, and the errors are gone.
        await using var second = await TestBackend.StartAsync("second");
        scenario.Routes.Write("slice.yaml", Slice("port: " + second.Port));
        await scenario.Sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/a" && r.Endpoints.Any(e => e.Port == second.Port)));
        using var after = await WebSocketClient.ConnectAsync(scenario.Sockway.WebSocketUri("/a"));
        Assert.Equal("second", await after.WhoAmIAsync());
        Assert.DoesNotContain((await RouteReport.ReadAsync(scenario.Sockway)).Errors, e => e.StartsWith("slice.yaml", StringComparison.Ordinal));
    }

    private static string Slice(string portLine, string address = "127.0.0.1", string family = "IPv4") => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: a-slice
          namespace: default
          labels:
            kubernetes.io/service-name: a
        addressType: {family}
        ports:
          - name: http
            {portLine}
        endpoints:
          - addresses: ["{address}"]

        """;
}
