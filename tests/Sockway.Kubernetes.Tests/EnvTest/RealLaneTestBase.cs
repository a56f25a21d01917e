using k8s;
using k8s.Models;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// A test of the real-API-server lane: skipped with the reason when the lane's assets are absent; otherwise it gets
/// a namespace of its own on the shared server, and whatever it starts (Sockways, backends) is disposed after it.
/// </summary>
[Collection(EnvTestCollection.Name)]
public abstract class RealLaneTestBase(EnvTestFixture fixture) : IAsyncLifetime
{
    private static int _count;
    private static int _placeholders;
    private readonly List<IAsyncDisposable> _owned = [];

    protected EnvTestFixture Fixture { get; } = fixture;

    protected EnvTestApiServer Server => Fixture.Server!;

    protected RealCluster Cluster { get; private set; } = null!;

    protected string Ns => Cluster.Namespace;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The first call of each test: skips without assets, fails if the server did not start, makes the test's namespace.</summary>
    protected async Task StartAsync()
    {
        Skip.If(Fixture.Unavailable is not null, Fixture.Unavailable);
        if (Fixture.StartFailure is { } failure)
        {
            throw new InvalidOperationException("the real API server did not start", failure);
        }

        var ns = $"t{Interlocked.Increment(ref _count)}-{Guid.NewGuid().ToString("N")[..6]}";
        await Server.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        Cluster = new RealCluster(Server.Admin, ns);
    }

    /// <summary>Skips the rest of the test (its traffic assertions) where no network namespace could be made.</summary>
    protected void RequireTraffic() => Skip.If(Fixture.Network is null, Fixture.NoTraffic);

    /// <summary>
    /// A pod behind a Service: a real backend inside the test network, or, where there is none, an address of
    /// TEST-NET-2 nothing connects to (only API-side assertions run then; traffic assertions call RequireTraffic).
    /// </summary>
    protected async Task<Pod> StartPodAsync(string name)
    {
        if (Fixture.Network is null)
        {
            var n = Interlocked.Increment(ref _placeholders);
            return new Pod(name, "198.51.100.250", 20000 + n, null);
        }

        var backend = Own(await Fixture.Network.StartBackendAsync(name));
        return new Pod(name, backend.Address, backend.Port, backend);
    }

    protected Task ApplySliceAsync(Pod pod, V1EndpointConditions? conditions = null) =>
        Cluster.ApplySliceAsync("echo", SliceName(pod), pod.Address, pod.Port, conditions: conditions);

    /// <summary>Sockway with the admin's kubeconfig, watching only this test's namespace unless the args say otherwise; its lease lives here too.</summary>
    protected async Task<KubernetesSockway> StartSockwayAsync(params string[] extraArgs) =>
        await StartSockwayWithAsync(Server.KubeconfigPath, ["--namespaces", Ns, .. extraArgs]);

    protected async Task<KubernetesSockway> StartSockwayWithAsync(string kubeconfig, string[] extraArgs) =>
        Own(await KubernetesSockway.StartWithAsync(["--kubeconfig", kubeconfig, "--Sockway:LeaderElection:LeaseNamespace", Ns, .. extraArgs]));

    /// <summary>Service "echo", one slice per backend, route "chat" on /chat; waits until served with every backend ready.</summary>
    protected async Task ServeChatAsync(KubernetesSockway sockway, params Pod[] pods)
    {
        await Cluster.ApplyServiceAsync("echo");
        foreach (var pod in pods)
        {
            await ApplySliceAsync(pod);
        }

        await Cluster.ApplyRouteAsync("chat", "/chat", "echo");
        await sockway.WaitForRouteAsync($"{Ns}/chat", pods.Length, TimeSpan.FromSeconds(20));
    }

    protected static string SliceName(Pod pod) => $"echo-{pod.Name}";

    protected T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }
}

/// <summary>An endpoint of Service "echo": where it listens, and the backend serving it (null without a test network).</summary>
public sealed record Pod(string Name, string Address, int Port, TestBackend? Backend);
