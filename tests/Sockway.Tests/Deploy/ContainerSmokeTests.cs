using System.Net.Sockets;
using System.Net.WebSockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Sockway.Testing;
using DotNet.Testcontainers.Images;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Tests.Deploy;

/// <summary>
/// The project's Dockerfile, built and run as a hardened platform would run it: read-only root filesystem, user
/// 64198:64198, every capability dropped, no-new-privileges, standalone mode. WebSockets are carried through it to a
/// backend on this host, then `docker stop` with the image's documented timeout (Docker's default, 10 s) must give
/// every client Close 1001 and end the process with exit code 0.
/// The engine comes from SOCKWAY_SMOKE_DOCKER_HOST (scripts/test.sh starts a private one, scripts/ci/docker-engine.sh);
/// the base images from SOCKWAY_SMOKE_SDK_IMAGE / SOCKWAY_SMOKE_RUNTIME_IMAGE (stand-ins built by
/// scripts/ci/stand-in-images.sh where no registry can be reached; the Dockerfile's official defaults otherwise).
/// </summary>
public sealed class ContainerSmokeTests(ITestOutputHelper output)
{
    private const int Clients = 4;
    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static IFutureDockerImage? _image;

    /// <param name="stopTimeout">docker stop's timeout: Docker's default with the image's defaults, or the one docs/operations.md gives for a spread drain.</param>
    [SkippableTheory]
    [InlineData(10, null, null)]
    [InlineData(30, "00:00:10", "00:00:25")]
    public async Task Image_runs_hardened_carries_websockets_and_closes_every_one_with_1001_on_docker_stop(int stopTimeout, string? window, string? shutdownTimeout)
    {
        var endpoint = Environment.GetEnvironmentVariable("SOCKWAY_SMOKE_DOCKER_HOST");
        Skip.If(string.IsNullOrEmpty(endpoint), "no Docker engine for the container smoke test: SOCKWAY_SMOKE_DOCKER_HOST is not set (scripts/test.sh starts one where dockerd can run)");
        var unavailable = await PingAsync(endpoint!);
        Skip.If(unavailable is not null, $"no Docker engine for the container smoke test: {unavailable}");
        // Debian's engine speaks an older API than Testcontainers asks for by default; Testcontainers reads this when
        // it first connects (only this test uses it in this process).
        if (Environment.GetEnvironmentVariable("SOCKWAY_SMOKE_DOCKER_API_VERSION") is { Length: > 0 } apiVersion)
        {
            Environment.SetEnvironmentVariable("DOCKER_API_VERSION", apiVersion);
        }

        // No registry: nothing may be pulled, so the reaper container (an image of its own) stays off.
        TestcontainersSettings.ResourceReaperEnabled = false;

        var image = await BuildOnceAsync(endpoint!);
        await using var backend = await TestBackend.StartAsync("in-container-backend");
        using var routes = new RouteDirectory();
        routes.Write("chat.yaml", Manifests.Join(Manifests.Route("chat", "/chat", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [backend.Port]));
        var (httpPort, managementPort) = (FreePort(), FreePort());

        var builder = new ContainerBuilder(image)
            .WithDockerEndpoint(endpoint!)
            .WithCleanUp(false)
            .WithBindMount(routes.Path, "/routes", AccessMode.ReadOnly)
            .WithTmpfsMount("/tmp")
            .WithCommand("--routes", "/routes", $"--http-port={httpPort}", $"--management-port={managementPort}", "--bind-address=127.0.0.1")
            .WithCreateParameterModifier(create =>
            {
                create.User = "64198:64198";
                var host = create.HostConfig ??= new HostConfig();
                host.NetworkMode = "host";
                host.ReadonlyRootfs = true;
                host.CapDrop = ["ALL"];
                host.SecurityOpt = ["no-new-privileges"];
            });
        if (window is not null)
        {
            builder = builder.WithEnvironment("Sockway__Drain__ShutdownWindow", window).WithEnvironment("Sockway__Drain__ShutdownTimeout", shutdownTimeout!);
        }

        var container = builder.Build();
        await container.StartAsync();
        try
        {
            await AssertHardenedAsync(container, output);

            var sockets = new List<ClientWebSocket>();
            await Eventually.SucceedsAsync(async () =>
            {
                using var probe = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{httpPort}/chat"));
                Assert.Equal("in-container-backend", await probe.WhoAmIAsync());
                await probe.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }, TimeSpan.FromSeconds(60));
            for (var i = 0; i < Clients; i++)
            {
                var socket = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{httpPort}/chat"));
                Assert.Equal($"hello {i}", await socket.RoundTripAsync($"hello {i}"));
                sockets.Add(socket);
            }

            var closes = sockets.Select(ReceiveCloseAsync).ToList();
            using var docker = Docker(endpoint!);
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await docker.Containers.StopContainerAsync(container.Id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)stopTimeout });
            var stopped = stopping.Elapsed;

            var statuses = await Task.WhenAll(closes);
            output.WriteLine($"docker stop -t {stopTimeout} (window {window ?? "image default"}): {stopped.TotalSeconds:F1} s; clients got {string.Join(", ", statuses.Select(s => s?.ToString() ?? "EOF"))}");
            Assert.All(statuses, s => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, s));
            var state = (await docker.Containers.InspectContainerAsync(container.Id)).State;
            var (stdout, stderr) = await container.GetLogsAsync();
            output.WriteLine($"exit code {state!.ExitCode}");
            Assert.True(state.ExitCode == 0, $"exit code {state.ExitCode} (137: killed at the stop timeout)\n{stdout}\n{stderr}");
            // The base image's ASPNETCORE_HTTP_PORTS is cleared: no start-up warning about overriding addresses.
            Assert.DoesNotContain("Overriding", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            // Without the reaper, a stopped container stays unless removed (and would pin its image in the CI cache).
            using var docker = Docker(endpoint!);
            await docker.Containers.RemoveContainerAsync(container.Id, new ContainerRemoveParameters { Force = true });
            await container.DisposeAsync();
        }
    }

    private static async Task AssertHardenedAsync(IContainer container, ITestOutputHelper output)
    {
        var probe = await container.ExecAsync(["sh", "-c", "id -u; id -g; grep CapEff /proc/self/status; ls -a /app; touch /app/x 2>/dev/null && echo app-writable; touch /tmp/x && echo tmp-writable"]);
        output.WriteLine($"in the container: {probe.Stdout.Replace('\n', ' ')}");
        var lines = probe.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("64198", lines[0]);
        Assert.Equal("64198", lines[1]);
        Assert.Matches(@"^CapEff:\s+0+$", lines[2]); // no capability at all
        Assert.Contains("sockway.dll", lines);
        Assert.DoesNotContain(lines, l => l.EndsWith(".pdb", StringComparison.Ordinal) || l == "web.config");
        Assert.DoesNotContain("app-writable", lines);
        Assert.Contains("tmp-writable", lines);
    }

    private static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return result.CloseStatus;
                }
            }
        }
        catch (WebSocketException)
        {
            return null; // EOF without a Close frame: what a cut tunnel looks like to the client
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Both cases run the same image; the second build would only hit the engine's layer cache anyway.</summary>
    private async Task<IFutureDockerImage> BuildOnceAsync(string endpoint)
    {
        await BuildLock.WaitAsync();
        try
        {
            if (_image is null)
            {
                var building = System.Diagnostics.Stopwatch.StartNew();
                var image = new ImageFromDockerfileBuilder()
                    .WithDockerEndpoint(endpoint)
                    .WithCleanUp(false)
                    .WithDockerfileDirectory(RepositoryPaths.Root)
                    .WithDockerfile("Dockerfile")
                    .WithName("sockway-ci/sockway:smoke")
                    .WithBuildArgument("SDK_IMAGE", Environment.GetEnvironmentVariable("SOCKWAY_SMOKE_SDK_IMAGE") ?? "mcr.microsoft.com/dotnet/sdk:10.0")
                    .WithBuildArgument("RUNTIME_IMAGE", Environment.GetEnvironmentVariable("SOCKWAY_SMOKE_RUNTIME_IMAGE") ?? "mcr.microsoft.com/dotnet/aspnet:10.0")
                        // The engine has no bridge network; the restore reaches NuGet through the host's network.
                    .WithCreateParameterModifier(build => build.NetworkMode = "host")
                    .Build();
                await image.CreateAsync();
                output.WriteLine($"built {image.FullName} in {building.Elapsed.TotalSeconds:F0} s");
                _image = image;
            }

            return _image;
        }
        finally
        {
            BuildLock.Release();
        }
    }

    private static DockerClient Docker(string endpoint)
    {
        var builder = new DockerClientBuilder().WithEndpoint(new Uri(endpoint));
        return (Environment.GetEnvironmentVariable("SOCKWAY_SMOKE_DOCKER_API_VERSION") is { Length: > 0 } version
            ? builder.WithApiVersion(System.Version.Parse(version)) : builder).Build();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string?> PingAsync(string endpoint)
    {
        try
        {
            using var docker = Docker(endpoint);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await docker.System.PingAsync(timeout.Token);
            return null;
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or SocketException or OperationCanceledException or IOException)
        {
            return $"{endpoint} does not answer: {ex.Message}";
        }
    }
}
