using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sockway.Testing;

namespace Sockway.Tests.Browser;

/// <summary>The demo echo backend (examples/EchoBackend) as a real child process on a free loopback port.</summary>
internal sealed class DemoProcess : IAsyncDisposable
{
    private readonly Process _process;

    private DemoProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<DemoProcess> StartAsync(string name)
    {
        var dll = Path.Combine(RepositoryPaths.Root, "examples", "EchoBackend", "bin", RepositoryPaths.Configuration, "net10.0", "echo-backend.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("build the solution first", dll);
        }

        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}", "--name", name, "--Logging:LogLevel:Default", "Warning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var demo = new DemoProcess(process, port);
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await http.GetStringAsync($"http://127.0.0.1:{port}/whoami");
                return demo;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        await demo.DisposeAsync();
        throw new TimeoutException($"demo backend {name} did not start");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
