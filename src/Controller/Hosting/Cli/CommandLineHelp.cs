using System.Reflection;

namespace Sockway.Controller.Hosting.Cli;

/// <summary>--help and --version text: switches grouped by mode, then how they relate to configuration and exit codes.</summary>
public static class CommandLineHelp
{
    public static string Version =>
        typeof(CommandLineHelp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string Render()
    {
        var rows = SockwayCommandLine.Switches()
            .Select(s => new Row(s.Help.Group, s.Help.Kind == SwitchKind.Flag ? $"{s.Name} [true|false]" : $"{s.Name} <{s.Help.Kind.ValueName}>", s.Help.Description))
            .Concat(
            [
                new Row("General", "-h, --help", "Show this help and exit."),
                new Row("General", "--version", "Print the version and exit."),
                new Row("General", SockwayCommandLine.VerboseSwitch, "On a start-up failure, print the whole exception."),
            ])
            .ToList();
        var width = rows.Max(r => r.Left.Length) + 2;
        var text = new System.Text.StringBuilder()
            .AppendLine("Usage: sockway [options]")
            .AppendLine("       sockway convert FILE|- [--to websocketroute|gateway-api] [--gateway namespace/name]")
            .AppendLine()
            .AppendLine("Sockway, a WebSocket-native ingress. With --routes it serves a directory of manifests (standalone);")
            .AppendLine("without it, it watches the Kubernetes API. 'sockway convert' turns Ingress manifests into Sockway")
            .AppendLine("routes (see 'sockway convert --help').");
        foreach (var group in rows.GroupBy(r => r.Group))
        {
            text.AppendLine().Append(group.Key).AppendLine(":");
            foreach (var row in group)
            {
                text.Append("  ").Append(row.Left.PadRight(width)).AppendLine(row.Description);
            }
        }

        return text
            .AppendLine()
            .AppendLine("Each switch sets a configuration key that appsettings.json and environment variables set too, e.g.")
            .AppendLine("--http-port 8081 = \"Sockway:Listeners:HttpPort\": 8081 = Sockway__Listeners__HttpPort=8081.")
            .AppendLine("Any other key can be given as --Section:Key=value. OTEL_* variables configure telemetry.")
            .AppendLine()
            .AppendLine($"Exit codes: {ExitCodes.Ok} stopped cleanly, {ExitCodes.Usage} bad command line, {ExitCodes.Configuration} invalid configuration,")
            .AppendLine($"{ExitCodes.Listen} a port could not be opened, {ExitCodes.Kubernetes} no usable Kubernetes cluster, {ExitCodes.Unexpected} unexpected error.")
            .AppendLine("Reference: docs/operations.md")
            .ToString();
    }

    private sealed record Row(string Group, string Left, string Description);
}
