namespace Sockway.Controller.Hosting;

/// <summary>The process's exit codes (docs/operations.md lists them); scripts and orchestrators branch on these.</summary>
public static class ExitCodes
{
    /// <summary>Ran and stopped cleanly, or printed --help / --version.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected failure (a bug): the message says what failed; --verbose shows the stack trace.</summary>
    public const int Unexpected = 1;

    /// <summary>The command line is wrong: an unknown option or a bad value (the option is named).</summary>
    public const int Usage = 2;

    /// <summary>The configuration is invalid or names something unusable (a routes directory that is missing or unreadable).</summary>
    public const int Configuration = 3;

    /// <summary>A listener could not open: the port is in use or not permitted.</summary>
    public const int Listen = 4;

    /// <summary>Kubernetes mode found no usable cluster: no kubeconfig, a bad one, or not in a pod.</summary>
    public const int Kubernetes = 5;
}
