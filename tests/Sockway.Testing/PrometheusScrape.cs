using System.Globalization;
using System.Text.RegularExpressions;

namespace Sockway.Testing;

/// <summary>One scrape of /metrics in the Prometheus text format, queried by name and labels.</summary>
public sealed partial class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private PrometheusScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            var match = Sample().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            _samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    public IEnumerable<string> Names => _samples.Select(s => s.Name).Distinct();

    public static async Task<PrometheusScrape> FetchAsync(Uri management)
    {
        using var http = new HttpClient();
        return new PrometheusScrape(await http.GetStringAsync(new Uri(management, "/metrics")));
    }

    /// <summary>Sum of the samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => _samples
        .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
        .Sum(s => s.Value);

    /// <summary>The samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/> (a 0-valued series counts).</summary>
    public IReadOnlyList<double> Values(string name, params (string Key, string Value)[] labels) => _samples
        .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
        .Select(s => s.Value)
        .ToList();

    /// <summary>Scrapes until <paramref name="condition"/> holds (the exporter caches scrapes briefly), or gives up.</summary>
    public static async Task<PrometheusScrape> WaitForAsync(Uri management, Func<PrometheusScrape, bool> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        PrometheusScrape scrape;
        do
        {
            scrape = await FetchAsync(management);
            if (condition(scrape))
            {
                return scrape;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        return scrape;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>[-+0-9.eEInfa]+)")]
    private static partial Regex Sample();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
