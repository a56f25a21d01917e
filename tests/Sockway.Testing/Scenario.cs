using Microsoft.Extensions.DependencyInjection;

namespace Sockway.Testing;

/// <summary>
/// A whole test setup: real backends, a manifest directory that routes to them, and a real Sockway serving it.
/// Disposing it stops everything.
/// </summary>
public sealed class Scenario : IAsyncDisposable
{
    private Scenario()
    {
    }

    public RouteDirectory Routes { get; } = new();

    public List<TestBackend> Backends { get; } = [];

    public TestBackend Backend => Backends[0];

    public SockwayHost Sockway { get; private set; } = null!;

    /// <param name="backends">How many backends to start.</param>
    /// <param name="manifests">The manifests to write (file name → YAML), given the started backends.</param>
    /// <param name="readyRoute">Route id to wait for, with all its endpoints ready.</param>
    public static Task<Scenario> StartAsync(int backends, Func<Scenario, IReadOnlyDictionary<string, string>> manifests, string readyRoute,
        bool https = false, params string[] sockwayArgs) =>
        StartAsync(backends, manifests, readyRoute, configureServices: null, https, sockwayArgs);

    /// <param name="configureServices">Registrations made before Sockway's own (see SockwayApp.Build).</param>
    public static async Task<Scenario> StartAsync(int backends, Func<Scenario, IReadOnlyDictionary<string, string>> manifests, string readyRoute,
        Action<IServiceCollection>? configureServices, bool https = false, params string[] sockwayArgs)
    {
        var scenario = new Scenario();
        for (var i = 0; i < backends; i++)
        {
            scenario.Backends.Add(await TestBackend.StartAsync($"backend-{i}"));
        }

        foreach (var (file, yaml) in manifests(scenario))
        {
            scenario.Routes.Write(file, yaml);
        }

        scenario.Sockway = await SockwayHost.StartAsync(scenario.Routes.Path, https, configureServices, sockwayArgs);
        await scenario.Sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == readyRoute && r.Endpoints.Count(e => e.Ready) > 0));
        return scenario;
    }

    public async ValueTask DisposeAsync()
    {
        await Sockway.DisposeAsync();
        foreach (var backend in Backends)
        {
            await backend.DisposeAsync();
        }

        Routes.Dispose();
    }
}
