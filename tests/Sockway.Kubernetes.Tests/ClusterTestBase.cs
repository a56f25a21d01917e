using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Per test: a fresh API double, a cluster view of it, and the backends the test starts (all disposed after).</summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    protected KubeApiDouble Api { get; private set; } = null!;

    protected Cluster Cluster { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Api = await KubeApiDouble.StartAsync();
        Cluster = new Cluster(Api.Store);
    }

    protected async Task<KubernetesSockway> StartSockwayAsync(params string[] extraArgs) => Own(await KubernetesSockway.StartAsync(Api.Url, extraArgs));

    protected async Task<TestBackend> StartBackendAsync(string name) => Own(await TestBackend.StartAsync(name));

    /// <summary>The common setup: Service "echo" with a slice per backend, route "chat" on /chat, served with every backend ready.</summary>
    protected async Task ServeChatAsync(KubernetesSockway sockway, params TestBackend[] backends)
    {
        Cluster.ApplyService("echo");
        foreach (var backend in backends)
        {
            Cluster.ApplySlice("echo", backend.Port);
        }

        Cluster.ApplyRoute("chat", "/chat", "echo");
        await sockway.WaitForRouteAsync("default/chat", backends.Length);
    }

    protected T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public async Task DisposeAsync()
    {
        // Sockway before the API double, so it does not spend its shutdown retrying a vanished server.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await Api.DisposeAsync();
    }
}
