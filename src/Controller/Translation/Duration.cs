using System.Globalization;
using System.Text.RegularExpressions;

namespace Sockway.Controller.Translation;

/// <summary>Kubernetes-style durations ("90s", "1h30m", "250ms", "0"), as in Go's time.ParseDuration.</summary>
public static partial class Duration
{
    public const string Pattern = "^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Syntax().IsMatch(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        double ms = 0;
        foreach (Match part in Part().Matches(text))
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += part.Groups[2].Value switch
            {
                "ms" => amount,
                "s" => amount * 1_000,
                "m" => amount * 60_000,
                _ => amount * 3_600_000,
            };
        }

        if (ms > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    [GeneratedRegex(Pattern)]
    private static partial Regex Syntax();

    [GeneratedRegex("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)")]
    private static partial Regex Part();
}
