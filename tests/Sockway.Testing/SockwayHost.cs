using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Controller.Hosting;
using Sockway.Gateway.Configuration;

namespace Sockway.Testing;

/// <summary>The real Sockway process (same builder as the executable), in-process on loopback with free ports.</summary>
public sealed class SockwayHost : IAsyncDisposable
{
    private SockwayHost(WebApplication app, Uri http, Uri? https, Uri management)
    {
        App = app;
        HttpUri = http;
        HttpsUri = https;
        ManagementUri = management;
    }

    public WebApplication App { get; }

    public Uri HttpUri { get; }

    public Uri? HttpsUri { get; }

    public Uri ManagementUri { get; }

    public Uri WebSocketUri(string path) => new($"ws://127.0.0.1:{HttpUri.Port}{path}");

    public GatewayConfigStore Gateway => App.Services.GetRequiredService<GatewayConfigStore>();

    public static Task<SockwayHost> StartAsync(string routesDirectory, bool https = false, params string[] extraArgs) =>
        StartAsync(routesDirectory, https, null, extraArgs);

    public static async Task<SockwayHost> StartAsync(string routesDirectory, bool https, Action<IServiceCollection>? configureServices, params string[] extraArgs)
    {
        string[] args =
        [
            "--routes", routesDirectory,
            "--bind-address", "127.0.0.1",
            "--http-port", "0",
            "--management-port", "0",
            .. https ? new[] { "--https-port", "0" } : [],
            "--Logging:LogLevel:Default", Environment.GetEnvironmentVariable("SOCKWAY_TEST_LOG_LEVEL") ?? "Warning",
            "--Sockway:Standalone:PollInterval", "00:00:00.250",
            // Each in-process host scrapes only its own metrics.
            "--Sockway:Telemetry:MeterName", "Sockway.Test." + Guid.NewGuid().ToString("N"),
            // scripts/test.sh runs the tunnel suites a second time on the epoll transport; a test's own args still win.
            "--Sockway:Tunnels:Transport", TunnelTransport,
            .. extraArgs,
        ];
        var app = SockwayApp.Build(args, configureServices);
        await app.StartAsync();
        // Kestrel reports addresses in the order the listeners were configured: HTTP, [HTTPS], management.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).ToList();
        var plain = addresses.Where(a => a.Scheme == "http").ToList();
        return new SockwayHost(app, plain[0], addresses.FirstOrDefault(a => a.Scheme == "https"), plain[^1]);
    }

    /// <summary>Waits until the served config satisfies a condition (config applies are asynchronous).</summary>
    public async Task<GatewayConfig> WaitForConfigAsync(Func<GatewayConfig, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var current = Gateway.Current;
            if (Gateway.HasConfig && condition(current))
            {
                return current;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The gateway config did not reach the expected state in time.");
    }

    /// <summary>Waits until route <paramref name="routeId"/> is served with <paramref name="readyEndpoints"/> ready endpoints.</summary>
    public Task<GatewayConfig> WaitForRouteAsync(string routeId, int readyEndpoints, TimeSpan? timeout = null) =>
        WaitForConfigAsync(c => c.Routes.Any(r => r.Id == routeId && r.Endpoints.Count(e => e.Ready) == readyEndpoints), timeout);

    /// <summary>The tunnel transport every test host uses: SOCKWAY_TEST_TUNNEL_TRANSPORT (sockets or epoll), default sockets.</summary>
    public static string TunnelTransport => Environment.GetEnvironmentVariable("SOCKWAY_TEST_TUNNEL_TRANSPORT") is { Length: > 0 } t ? t : "sockets";

    public ValueTask DisposeAsync() => HostStopper.StopAsync(App, TimeSpan.FromSeconds(10));
}
