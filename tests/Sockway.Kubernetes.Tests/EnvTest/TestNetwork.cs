using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Sockway.Testing;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// A network namespace the test owns, joined to this host by a veth pair with addresses from TEST-NET-2
/// (198.51.100.0/24, a /28 of it not already in use here): the API server rejects loopback in EndpointSlices, so
/// backends listen inside the namespace on addresses a slice may name, and traffic goes nowhere else. Backends are
/// in-process: their listening socket is created on a thread that joined the namespace (setns), so the test still
/// sees what each backend received. Removed on dispose.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly string _name;
    private readonly string _hostLink;
    private readonly byte _base;

    private TestNetwork(string name, string hostLink, byte @base)
    {
        _name = name;
        _hostLink = hostLink;
        _base = @base;
    }

    /// <summary>The host side of the veth pair (the gateway's source address towards backends).</summary>
    public string HostAddress => $"198.51.100.{_base + 1}";

    /// <summary>Creates the namespace, or says why it cannot (not root, no `ip`); partial setup is undone.</summary>
    public static async Task<(TestNetwork? Network, string? WhyNot)> TryCreateAsync()
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            return (null, "backend traffic assertions skipped: creating a network namespace needs root on Linux");
        }

        var id = $"{Environment.ProcessId % 100000}{Random.Shared.Next(100):D2}";
        var name = $"sockway-{id}";
        var hostLink = $"swh{id}";
        try
        {
            var used = await RunAsync("ip", "-o", "-4", "addr", "show");
            var free = Enumerable.Range(0, 16).Select(i => (byte)(i * 16)).Where(b => !used.Contains($"198.51.100.{b + 1}/", StringComparison.Ordinal)).ToList();
            if (free.Count == 0)
            {
                return (null, "backend traffic assertions skipped: every /28 of 198.51.100.0/24 is in use on this host");
            }

            var network = new TestNetwork(name, hostLink, free[Random.Shared.Next(free.Count)]);
            try
            {
                await network.SetUpAsync();
                return (network, null);
            }
            catch
            {
                await network.DisposeAsync();
                throw;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return (null, $"backend traffic assertions skipped: no network namespace could be created: {ex.Message}");
        }
    }

    /// <summary>The namespace's address, where every backend listens (each on a port of its own).</summary>
    public string BackendAddress => $"198.51.100.{_base + 2}";

    /// <summary>A backend listening inside the namespace, on <see cref="BackendAddress"/> and a free port.</summary>
    public Task<TestBackend> StartBackendAsync(string name) =>
        TestBackend.StartAsync(name, 0, IPAddress.Parse(BackendAddress), endPoint => InNamespace(() => SocketTransportDefaults(endPoint)));

    public async ValueTask DisposeAsync()
    {
        // Deleting the namespace removes its end of the veth pair, and with it the host end.
        await TryRunAsync("ip", "netns", "delete", _name);
        await TryRunAsync("ip", "link", "delete", _hostLink);
    }

    private async Task SetUpAsync()
    {
        await RunAsync("ip", "netns", "add", _name);
        await RunAsync("ip", "link", "add", _hostLink, "type", "veth", "peer", "name", "swn0", "netns", _name);
        await RunAsync("ip", "addr", "add", $"{HostAddress}/28", "dev", _hostLink);
        await RunAsync("ip", "link", "set", _hostLink, "up");
        await RunAsync("ip", "-n", _name, "link", "set", "lo", "up");
        await RunAsync("ip", "-n", _name, "addr", "add", $"{BackendAddress}/28", "dev", "swn0");
        await RunAsync("ip", "-n", _name, "link", "set", "swn0", "up");
    }

    private static Socket SocketTransportDefaults(EndPoint endPoint) =>
        Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint);

    /// <summary>Runs <paramref name="create"/> on a thread that joined the namespace; a socket keeps the namespace it was made in.</summary>
    private T InNamespace<T>(Func<T> create)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var own = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/var/run/netns/{_name}");
                if (setns((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {_name} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                try
                {
                    result = create();
                }
                finally
                {
                    _ = setns((int)own.DangerousGetHandle(), CloneNewNet);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result! : throw new InvalidOperationException($"could not create a socket in {_name}", failure);
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` failed ({process.ExitCode}): {(await error).Trim()}");
    }

    private static async Task TryRunAsync(string file, params string[] args)
    {
        try
        {
            await RunAsync(file, args);
        }
        catch (InvalidOperationException)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc")]
    private static extern uint geteuid();
}
