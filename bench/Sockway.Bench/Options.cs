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

    public int Int(string name, int fallback) => (int)Number(name, fallback, NumberStyles.Integer);

    public double Double(string name, double fallback) => Number(name, fallback, NumberStyles.Float);

    /// <summary>Stopwatch timestamp <c>--seconds</c> from now: every loop is bounded in time.</summary>
    public long Deadline(double fallbackSeconds) => After(Double("seconds", fallbackSeconds));

    /// <summary>Stopwatch timestamp <paramref name="seconds"/> from now.</summary>
    public static long After(double seconds) =>
        System.Diagnostics.Stopwatch.GetTimestamp() + (long)(seconds * System.Diagnostics.Stopwatch.Frequency);

    private double Number(string name, double fallback, NumberStyles styles)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, styles, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= int.MaxValue
            ? value
            : throw new ArgumentException($"--{name}: '{text}' is not a non-negative {(styles == NumberStyles.Integer ? "whole number" : "number")}");
    }

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
