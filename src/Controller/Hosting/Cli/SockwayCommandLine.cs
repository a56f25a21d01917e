using System.CommandLine;
using System.CommandLine.Help;

namespace Sockway.Controller.Hosting.Cli;

/// <summary>
/// Parses Sockway's command line with System.CommandLine. Each switch of <see cref="SockwayApp.SwitchMappings"/> is
/// an option that sets one configuration key, so flags, appsettings.json and environment variables stay one system;
/// any other key can be given as --Section:Key=value. Nothing here starts the process.
/// </summary>
public static class SockwayCommandLine
{
    public const string VerboseSwitch = "--verbose";

    public static CommandLineRequest Parse(IReadOnlyList<string> args)
    {
        if (args is [ConvertCommandLine.Name, ..])
        {
            return ConvertCommandLine.Parse(args.Skip(1).ToList());
        }

        var errors = new List<string>();
        var (keys, rest) = ConfigurationKeyArgs.Split(args, errors);
        var root = new RootCommand("Sockway: a WebSocket-native ingress.");
        var switches = Switches().ToList();
        foreach (var s in switches)
        {
            root.Options.Add(s.Option);
        }

        var verbose = new Option<string>(VerboseSwitch) { Arity = ArgumentArity.ZeroOrOne };
        root.Options.Add(verbose);
        var result = root.Parse(rest, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.GetResult(root.Options.OfType<HelpOption>().Single()) is not null)
        {
            return new CommandLineRequest.ShowHelp();
        }

        // --version alone: its action hides other parse errors, so "--version --bogus" is checked here.
        if (result.GetResult(root.Options.OfType<VersionOption>().Single()) is not null)
        {
            return rest is ["--version"] && keys.Count == 0 && errors.Count == 0
                ? new CommandLineRequest.ShowVersion()
                : new CommandLineRequest.Invalid([$"--version takes no other arguments (got {string.Join(' ', args)})"]);
        }

        errors.AddRange(result.Errors.Select(e => WithSuggestion(e.Message, switches)));
        if (errors.Count > 0)
        {
            return new CommandLineRequest.Invalid(errors.Distinct().ToList());
        }

        var configuration = new List<string>();
        foreach (var s in switches.Where(s => result.GetResult(s.Option) is { Implicit: false }))
        {
            var value = result.GetValue(s.Option) is { Length: > 0 } given ? given : s.Help.Kind == SwitchKind.Flag ? "true" : string.Empty;
            if (s.Help.Kind.Check(value) is { } problem)
            {
                errors.Add($"{s.Option.Name}: '{value}' {problem}");
            }

            configuration.Add($"--{s.ConfigurationKey}={value}");
        }

        var verboseValue = result.GetResult(verbose) is null ? "false" : result.GetValue(verbose) is { Length: > 0 } v ? v : "true";
        if (SwitchKind.Flag.Check(verboseValue) is { } verboseProblem)
        {
            errors.Add($"{VerboseSwitch}: '{verboseValue}' {verboseProblem}");
        }

        return errors.Count > 0
            ? new CommandLineRequest.Invalid(errors.Distinct().ToList())
            : new CommandLineRequest.Run([.. configuration, .. keys], bool.Parse(verboseValue));
    }

    /// <summary>The switches in help order: by group, then as listed.</summary>
    internal static IEnumerable<Switch> Switches() => SockwayApp.SwitchMappings
        .Select(m => new Switch(m.Key, m.Value, SwitchCatalog.For(m.Key, m.Value)))
        .OrderBy(s => SwitchCatalog.GroupOrder.ToList().IndexOf(s.Help.Group));

    internal sealed record Switch(string Name, string ConfigurationKey, SwitchHelp Help)
    {
        // Values are checked by their kind after parsing, so a bad one is reported with the switch's name.
        public Option<string> Option { get; } = new(Name)
        {
            Description = Help.Description,
            HelpName = Help.Kind.ValueName,
            Arity = Help.Kind == SwitchKind.Flag ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
        };
    }

    // "Unrecognized command or argument '--route'." gains "(did you mean --routes?)".
    private static string WithSuggestion(string message, IReadOnlyList<Switch> switches)
    {
        var start = message.IndexOf("'-", StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        if (!message.StartsWith("Unrecognized", StringComparison.Ordinal) || end < 0)
        {
            return message;
        }

        var token = message[(start + 1)..end];
        var closest = switches.Select(s => s.Name).Append(VerboseSwitch)
            .Select(n => (Name: n, Distance: Distance(token, n))).MinBy(c => c.Distance);
        return closest.Distance <= 2 ? $"{message[..^1]} (did you mean {closest.Name}?)" : message;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
