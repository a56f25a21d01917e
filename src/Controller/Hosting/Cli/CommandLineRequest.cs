namespace Sockway.Controller.Hosting.Cli;

/// <summary>What the command line asks for.</summary>
public abstract record CommandLineRequest
{
    /// <summary>Start Sockway with these configuration arguments (--Section:Key=value, read by ASP.NET Core configuration).</summary>
    public sealed record Run(IReadOnlyList<string> ConfigurationArgs, bool Verbose) : CommandLineRequest;

    public sealed record ShowHelp : CommandLineRequest;

    public sealed record ShowVersion : CommandLineRequest;

    /// <summary>`sockway convert`: convert the Ingress manifests in this file (- for standard input).</summary>
    public sealed record Convert(string Input, Conversion.ConversionOptions Options) : CommandLineRequest;

    public sealed record ShowConvertHelp : CommandLineRequest;

    /// <summary>The command line is wrong; each error names the option or token.</summary>
    public sealed record Invalid(IReadOnlyList<string> Errors) : CommandLineRequest;
}
