using System.Globalization;

namespace Sockway.Bench;

/// <summary>--name value pairs, with the loopback-only rule enforced on URLs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string Command { get; private init; } = string.Empty;

    public static Options Parse(string[] args)
    {
        var options = new Options { Command = args.FirstOrDefault() ?? string.Empty };
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options._values[args[i].TrimStart('-')] = args[i + 1];
        }

        return options;
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public Uri Url()
    {
        var url = new Uri(Get("url", "ws://127.0.0.1:9203/ws"));
        // Load goes to this machine only.
        if (!(url.IsLoopback || url.Host.StartsWith("127.", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"refusing non-loopback target {url}");
        }

        return url;
    }
}
