using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sockway.Controller.Hosting.Cli;

namespace Sockway.Controller.Hosting;

/// <summary>The executable: parse the command line, run Sockway, and turn a start-up failure into one line and an exit code.</summary>
public static class SockwayCli
{
    // The host logs a failed start with its stack trace; the CLI prints one line instead (the trace with --verbose).
    private const string QuietHostFailures = "--Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host=None";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        switch (SockwayCommandLine.Parse(args))
        {
            case CommandLineRequest.ShowHelp:
                await output.WriteAsync(CommandLineHelp.Render());
                return ExitCodes.Ok;
            case CommandLineRequest.ShowVersion:
                await output.WriteLineAsync($"sockway {CommandLineHelp.Version}");
                return ExitCodes.Ok;
            case CommandLineRequest.Invalid invalid:
                foreach (var line in invalid.Errors)
                {
                    await error.WriteLineAsync($"sockway: {line}");
                }

                await error.WriteLineAsync("Run 'sockway --help' for usage.");
                return ExitCodes.Usage;
            case CommandLineRequest.ShowConvertHelp:
                await output.WriteAsync(ConvertCommandLine.Help());
                return ExitCodes.Ok;
            case CommandLineRequest.Convert convert:
                return await ConvertCommand.RunAsync(convert, input ?? Console.In, output, error);
            case CommandLineRequest.Run run:
                return await RunAsync(run, error);
            default:
                throw new InvalidOperationException("unknown command-line request");
        }
    }

    private static async Task<int> RunAsync(CommandLineRequest.Run run, TextWriter error)
    {
        string[] args = run.Verbose ? [.. run.ConfigurationArgs] : [QuietHostFailures, .. run.ConfigurationArgs];
        Exception? cause;
        try
        {
            var app = SockwayApp.Build(args);
            // Taken before the run: RunAsync disposes the app's services when it ends.
            var background = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            try
            {
                await app.RunAsync();
                cause = FaultOf(background);
            }
            catch (Exception ex)
            {
                // A background service that fails while the host starts stops it, and start-up then ends "canceled":
                // the service's exception is the one that says what is wrong.
                cause = FaultOf(background) ?? ex;
            }
        }
        catch (Exception ex)
        {
            cause = ex;
        }

        if (cause is null)
        {
            return ExitCodes.Ok;
        }

        var failure = StartupFailure.From(cause);
        await error.WriteLineAsync($"sockway: {failure.Message.ReplaceLineEndings(" ")}");
        if (run.Verbose)
        {
            await error.WriteLineAsync(cause.ToString());
        }

        return failure.ExitCode;
    }

    private static Exception? FaultOf(List<BackgroundService> services) => services
        .Select(s => s.ExecuteTask)
        .FirstOrDefault(t => t is { IsFaulted: true })?.Exception;
}
