namespace Sockway.Controller.Hosting.Cli;

/// <summary>
/// Arguments that name a configuration key directly (--Section:Key=value or --Section:Key value), as ASP.NET Core's
/// command-line provider reads them; these bypass the switch parser so every key stays settable from the command line.
/// </summary>
internal static class ConfigurationKeyArgs
{
    public static (List<string> Keys, List<string> Others) Split(IReadOnlyList<string> args, List<string> errors)
    {
        var keys = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!IsKey(arg, out var key, out var value))
            {
                rest.Add(arg);
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    errors.Add($"--{key}: needs a value (--{key}=<value>)");
                    continue;
                }

                value = args[++i];
            }

            if (key.Split(':').Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"--{key}: is not a configuration key (Section:Key)");
                continue;
            }

            keys.Add($"--{key}={value}");
        }

        return (keys, rest);
    }

    // A key has a ':' before any '=', and its first segment is not a switch (System.CommandLine reads --http-port:80).
    private static bool IsKey(string arg, out string key, out string? value)
    {
        key = string.Empty;
        value = null;
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            return false;
        }

        var body = arg[2..];
        var equals = body.IndexOf('=');
        var name = equals < 0 ? body : body[..equals];
        var colon = name.IndexOf(':');
        if (colon < 0 || SockwayApp.SwitchMappings.ContainsKey("--" + name[..colon]) || name[..colon] == "verbose")
        {
            return false;
        }

        key = name;
        value = equals < 0 ? null : body[(equals + 1)..];
        return true;
    }
}
