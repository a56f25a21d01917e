using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Controller.Hosting;
using Sockway.Controller.Leadership;
using Sockway.Controller.Sources.Kubernetes;
using Sockway.Controller.Status;
using Sockway.Gateway.Configuration;
using Sockway.Testing;

namespace Sockway.Kubernetes.Tests;

/// <summary>The real Sockway app in Kubernetes mode, in-process on free loopback ports, talking to an API server URL.</summary>
public sealed class KubernetesSockway : IAsyncDisposable
{
    private KubernetesSockway(WebApplication app, Uri http, Uri management, CapturedLogs logs)
    {
        App = app;
        Logs = logs;
        HttpUri = http;
        ManagementUri = management;
    }

    public WebApplication App { get; }

    /// <summary>What it logged (Warning and above, unless SOCKWAY_TEST_LOG_LEVEL says otherwise).</summary>
    public CapturedLogs Logs { get; }

    public Uri HttpUri { get; }

    public Uri ManagementUri { get; }

    public GatewayConfigStore Gateway => App.Services.GetRequiredService<GatewayConfigStore>();

    public KubernetesSource Source => App.Services.GetRequiredService<KubernetesSource>();

    public LeadershipService Leadership => App.Services.GetRequiredService<LeadershipService>();

    public KubernetesStatusWriter StatusWriter => App.Services.GetRequiredService<KubernetesStatusWriter>();

    public Uri WebSocketUri(string path) => new($"ws://127.0.0.1:{HttpUri.Port}{path}");

    /// <summary>
    /// Starts against <paramref name="apiServer"/> with timings shortened for tests (fast backoff, a 2 s lease).
    /// <paramref name="extraArgs"/> come last and override.
    /// </summary>
    public static Task<KubernetesSockway> StartAsync(Uri apiServer, params string[] extraArgs) => StartWithAsync(["--api-server", apiServer.ToString(), .. extraArgs]);

    /// <summary>As <see cref="StartAsync"/>, but the arguments say how to reach the cluster (e.g. --kubeconfig).</summary>
    public static async Task<KubernetesSockway> StartWithAsync(string[] extraArgs)
    {
        string[] args =
        [
            "--bind-address", "127.0.0.1",
            "--http-port", "0",
            "--management-port", "0",
            "--Logging:LogLevel:Default", Environment.GetEnvironmentVariable("SOCKWAY_TEST_LOG_LEVEL") ?? "Warning",
            "--Sockway:Kubernetes:InitialBackoff", "00:00:00.100",
            "--Sockway:Kubernetes:MaxBackoff", "00:00:01",
            "--Sockway:LeaderElection:LeaseNamespace", "sockway-system",
            "--Sockway:LeaderElection:LeaseDuration", "00:00:02",
            "--Sockway:LeaderElection:RenewDeadline", "00:00:01.500",
            "--Sockway:LeaderElection:RetryPeriod", "00:00:00.250",
            .. extraArgs,
        ];
        var app = SockwayApp.Build(args);
        var logs = new CapturedLogs();
        app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().AddProvider(logs);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        return new KubernetesSockway(app, addresses[0], addresses[^1], logs);
    }

    /// <summary>Waits until the served config satisfies a condition (applies are asynchronous).</summary>
    public Task<GatewayConfig> WaitForConfigAsync(Func<GatewayConfig, bool> condition, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => Gateway.HasConfig && condition(Gateway.Current) ? Gateway.Current : null, timeout, "the gateway config did not reach the expected state");

    public Task<GatewayConfig> WaitForRouteAsync(string routeId, int readyEndpoints, TimeSpan? timeout = null) =>
        WaitForConfigAsync(c => c.Routes.Any(r => r.Id == routeId && r.Endpoints.Count(e => e.Ready) == readyEndpoints), timeout);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }
}
