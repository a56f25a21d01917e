using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Testing;

namespace Sockway.Tests.Balancing;

/// <summary>N real echo backends behind one route served by a real Sockway; endpoints can be added and removed live.</summary>
internal sealed class BackendPool : IAsyncDisposable
{
    private readonly RouteDirectory _routes = new();
    private readonly string _routeSpec;

    private BackendPool(string routeSpec) => _routeSpec = routeSpec;

    public List<TestBackend> Backends { get; } = [];

    /// <summary>Backends currently listed as ready in the EndpointSlices.</summary>
    public List<TestBackend> Ready { get; } = [];

    public SockwayHost Sockway { get; private set; } = null!;

    public static Task<BackendPool> StartAsync(int backends, string routeSpec = "", params string[] sockwayArgs) =>
        StartAsync(backends, routeSpec, null, sockwayArgs);

    public static async Task<BackendPool> StartAsync(int backends, string routeSpec, TimeProvider? clock, params string[] sockwayArgs)
    {
        var pool = new BackendPool(routeSpec);
        for (var i = 0; i < backends; i++)
        {
            var backend = await TestBackend.StartAsync($"backend-{i}");
            pool.Backends.Add(backend);
            pool.Ready.Add(backend);
        }

        pool.WriteRoutes();
        pool.Sockway = await SockwayHost.StartAsync(pool._routes.Path, false, clock is null ? null : services => services.AddSingleton(clock), sockwayArgs);
        await pool.Sockway.WaitForRouteAsync("default/pool", backends);
        return pool;
    }

    public async Task<TestBackend> AddBackendAsync()
    {
        var backend = await TestBackend.StartAsync($"backend-{Backends.Count}");
        Backends.Add(backend);
        Ready.Add(backend);
        WriteRoutes();
        await Sockway.WaitForRouteAsync("default/pool", Ready.Count);
        return backend;
    }

    /// <summary>Takes a backend out of the EndpointSlices (it keeps running, as a terminating pod would).</summary>
    public async Task RemoveAsync(TestBackend backend)
    {
        Ready.Remove(backend);
        WriteRoutes();
        await Sockway.WaitForRouteAsync("default/pool", Ready.Count);
    }

    /// <summary>Rewrites the slices from <see cref="Ready"/> (after a test edited it) and waits for the gateway.</summary>
    public async Task AddBackendsBackAsync()
    {
        WriteRoutes();
        await Sockway.WaitForRouteAsync("default/pool", Ready.Count);
    }

    /// <summary>Connections the gateway counts on a backend (what the balancer sees).</summary>
    public int GatewayCount(TestBackend backend) =>
        Sockway.App.Services.GetRequiredService<ConnectionRegistry>().Endpoint($"127.0.0.1:{backend.Port}").Active;

    public Uri Uri => Sockway.WebSocketUri("/pool");

    private void WriteRoutes() => _routes.Write("pool.yaml",
        Manifests.Join(Manifests.Route("pool", "/pool", "pool", extraSpec: _routeSpec), Manifests.Service("pool"))
        + Manifests.Slices("pool", Ready.Select(b => b.Port)));

    public async ValueTask DisposeAsync()
    {
        await Sockway.DisposeAsync();
        foreach (var backend in Backends)
        {
            await backend.DisposeAsync();
        }

        _routes.Dispose();
    }
}
