using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sockway.Tests.Hosting;

/// <summary>The built sockway executable as a child process, its output captured line by line; always killed at the end.</summary>
internal sealed class SockwayProcess : IDisposable
{
    private readonly Process _process;

    private SockwayProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Output { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    public static SockwayProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "sockway.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Not the test's working directory: the shipped appsettings.json must be found next to the executable.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var sockway = new SockwayProcess(process);
        process.OutputDataReceived += (_, e) => Add(sockway.Output, e.Data);
        process.ErrorDataReceived += (_, e) => Add(sockway.Errors, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sockway;
    }

    /// <summary>Runs to its end (bounded) and returns the exit code.</summary>
    public static async Task<(int ExitCode, List<string> Output, List<string> Errors)> RunAsync(params string[] args)
    {
        using var sockway = Start(args);
        var code = await sockway.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, sockway.Output.ToList(), sockway.Errors.ToList());
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        // The exit event can precede the last redirected lines; WaitForExit() without a timeout drains them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private static void Add(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
