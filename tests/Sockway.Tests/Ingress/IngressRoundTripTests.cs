using Sockway.Controller.Conversion;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Ingress;

/// <summary>
/// Done-when of the Ingress work, in standalone mode: every example in examples/ingress-nginx/ is served unchanged
/// by Sockway, and its `sockway convert` output (WebSocketRoutes) routes the same requests to the same backends
/// (real backends, real sockets, real WebSocket and HTTP clients).
/// </summary>
public sealed class IngressRoundTripTests
{
    public static TheoryData<string> Examples() => new(IngressExamples.Files());

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task The_example_and_its_conversion_route_alike(string file)
    {
        var example = IngressExamples.Read(file);
        var intents = IngressExamples.Intents(example);
        var services = IngressExamples.Services(intents);
        var converted = IngressConverter.Convert(file, example, new ConversionOptions());
        Assert.True(converted.Succeeded, string.Join("\n", converted.Errors));
        var probes = IngressExamples.Probes(intents).ToList();

        var served = await ServeAsync(services.Count, s => new Dictionary<string, string>
        {
            [file] = example,
            ["ingressclass.yaml"] = IngressExamples.Read("ingressclass.yaml"),
            ["backends.yaml"] = IngressExamples.BackendManifests(services, s.Backends),
        }, intents[0].Id, probes);
        var convertedServed = await ServeAsync(services.Count, s => new Dictionary<string, string>
        {
            ["converted.yaml"] = converted.Output,
            ["backends.yaml"] = IngressExamples.BackendManifests(services, s.Backends),
        }, FirstRouteId(converted.Output), probes);

        // The Ingress itself routes each path to the backend of its Service (or redirects, for hosts with TLS)...
        for (var i = 0; i < intents.Count; i++)
        {
            var expected = intents[i].Settings.RedirectToHttps ? "308" : $"backend-{services.FindIndex(s => s.ServiceName == intents[i].Backends[0].ServiceName)}";
            Assert.True(served[i * 3].WebSocket.StartsWith(expected, StringComparison.Ordinal), $"{intents[i].Id}: expected {expected}; served {string.Join("; ", served)}");
        }

        // ...and the converted routes do exactly the same for every probe.
        Assert.Equal(served, convertedServed);
    }

    private static async Task<List<ProbeResult>> ServeAsync(int backends, Func<Scenario, IReadOnlyDictionary<string, string>> files, string readyRoute,
        List<(string Host, string Path)> probes)
    {
        await using var scenario = await Scenario.StartAsync(backends, files, readyRoute);
        var results = new List<ProbeResult>();
        foreach (var (host, path) in probes)
        {
            results.Add(new ProbeResult(host, path, await IngressExamples.WebSocketAsync(scenario.Sockway, host, path),
                await IngressExamples.PlainAsync(scenario.Sockway, host, path), await IngressExamples.UploadAsync(scenario.Sockway, host, path)));
        }

        return results;
    }

    private static string FirstRouteId(string yaml)
    {
        var route = Sockway.Controller.Sources.Files.ManifestParser.Parse("converted.yaml", yaml).Objects.OfType<Sockway.Controller.Api.V1Alpha1.WebSocketRoute>().First();
        return $"{route.Metadata.NamespaceProperty}/{route.Metadata.Name}";
    }

    private sealed record ProbeResult(string Host, string Path, string WebSocket, string Plain, string Upload);
}
