using System.Diagnostics;
using System.Globalization;

namespace Sockway.Bench;

/// <summary>Round-trip samples (Stopwatch ticks) from all connections; percentiles by sorting once at the end.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<long>[] _perConnection;

    public LatencyRecorder(int connections) => _perConnection = Enumerable.Range(0, connections).Select(_ => new List<long>(4096)).ToArray();

    public void Record(int connection, long ticks) => _perConnection[connection].Add(ticks);

    public long Count => _perConnection.Sum(l => (long)l.Count);

    public Dictionary<string, double> PercentilesMs()
    {
        var all = _perConnection.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double At(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new Dictionary<string, double> { ["p50"] = At(0.50), ["p90"] = At(0.90), ["p99"] = At(0.99), ["p999"] = At(0.999) };
    }

    public static string Json(IEnumerable<(string Key, object Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{Format(f.Value)}")) + "}";

    private static string Format(object value) => value switch
    {
        string s => $"\"{s}\"",
        double d => double.IsNaN(d) ? "null" : d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => $"\"{value}\"",
    };
}
