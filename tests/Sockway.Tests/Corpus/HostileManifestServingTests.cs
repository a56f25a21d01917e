using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Tests.Corpus;

/// <summary>
/// Every corpus case dropped into one running standalone Sockway, one after another, next to the good route: the
/// process stays up, the good route keeps serving (a real WebSocket through it, and one tunnel held open across all
/// cases), a new valid route written at the same time is served (the config is not frozen), and /api/routes names
/// the file, object and field.
/// </summary>
public sealed class HostileManifestServingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync() =>
        _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string> { [CorpusSnapshot.GoodFile] = CorpusSnapshot.GoodManifests(s.Backend.Port) },
            CorpusSnapshot.GoodRoute);

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();

    [Fact]
    public async Task Each_case_is_reported_while_the_good_route_and_a_new_route_keep_serving()
    {
        using var heldOpen = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/good"));
        var failures = new List<string>();
        var n = 0;
        foreach (var corpusCase in CorpusCases.All)
        {
            var fresh = $"fresh-{n++}";
            WriteBytes(corpusCase.FileName, corpusCase.Content);
            _scenario.Routes.Write(fresh + ".yaml", Manifests.Route(fresh, "/" + fresh, "echo"));
            try
            {
                await _scenario.Sockway.WaitForRouteAsync("default/" + fresh, 1);
                using (var good = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/good")))
                {
                    Assert.Equal(corpusCase.Name, await good.RoundTripAsync(corpusCase.Name));
                }

                using (var added = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/" + fresh)))
                {
                    Assert.Equal(fresh, await added.RoundTripAsync(fresh));
                }

                await Eventually.SucceedsAsync(async () => AssertReported(corpusCase, await RouteReport.ReadAsync(_scenario.Sockway)));
            }
            catch (Exception ex)
            {
                failures.Add($"{corpusCase.Name}: {ex.Message}");
            }
            finally
            {
                _scenario.Routes.Delete(corpusCase.FileName);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal("still open", await heldOpen.RoundTripAsync("still open"));
        Assert.Equal(WebSocketState.Open, heldOpen.State);
        output.WriteLine($"{CorpusCases.All.Count} cases served through one host");
    }

    private static void AssertReported(CorpusCase corpusCase, RouteReport report)
    {
        var file = corpusCase.FileName;
        var says = corpusCase.Get("says");
        switch (corpusCase.Expect)
        {
            case "error" or "duplicate":
                Assert.Contains(report.Errors, e => e.StartsWith(file, StringComparison.Ordinal)
                    && (corpusCase.Get("field") is not { } field || e.Contains($"field '{field}'", StringComparison.Ordinal))
                    && (corpusCase.Get("object") is not { } name || e.Contains(name, StringComparison.Ordinal))
                    && (says is null || e.Contains(says, StringComparison.Ordinal)));
                break;
            case "warning":
                Assert.Contains(report.Warnings, w => w.StartsWith(file + ":", StringComparison.Ordinal)
                    && (says is null || w.Contains(says, StringComparison.Ordinal)));
                break;
            case "clean":
                Assert.DoesNotContain(report.Errors, e => e.StartsWith(file, StringComparison.Ordinal));
                Assert.DoesNotContain(report.Warnings, w => w.StartsWith(file, StringComparison.Ordinal));
                break;
            case "condition":
                var condition = report.Condition(corpusCase.Get("route")!, corpusCase.Get("condition")!.Split('=')[0]);
                Assert.NotNull(condition);
                Assert.StartsWith(corpusCase.Get("condition")!, condition);
                Assert.Contains(says!, condition);
                break;
        }
    }

    private void WriteBytes(string fileName, byte[] content)
    {
        var temp = Path.Combine(_scenario.Routes.Path, "." + fileName + ".tmp");
        File.WriteAllBytes(temp, content);
        File.Move(temp, Path.Combine(_scenario.Routes.Path, fileName), overwrite: true);
    }
}
