namespace Sockway.Controller.Hosting;

/// <summary>
/// A start-up failure the operator can fix, thrown by any part of the process while it starts: the CLI prints its
/// message as one line and exits with <see cref="ExitCode"/> (see <see cref="ExitCodes"/>).
/// </summary>
public sealed class SockwayStartupException(string message, int exitCode = ExitCodes.Configuration, Exception? inner = null)
    : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
