using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Tests.Deploy;

/// <summary>
/// Chart values are input like any other: every key of values.yaml refuses a value of the wrong type with an error
/// naming it, and random values at random keys either are refused naming the key or render objects Kubernetes
/// accepts. The fixed corpus of bad values is deploy/helm/sockway/ci/bad-values.tsv (run by scripts/ci/chart-checks.sh).
/// </summary>
public sealed class ChartValuesSchemaTests(ITestOutputHelper output)
{
    private static readonly string[] Pool =
        ["\"x\"", "\"\"", "-1", "0", "1.5", "70000", "true", "[]", "[\"a\"]", "{}", "{\"x\":1}", "null", "\"../../etc\"", "\"a,b\"", "\"--x\""];

    /// <summary>The keys the README documents (a Kubernetes object passed through, such as resources, is one key).</summary>
    private static IEnumerable<(string Key, JsonNode? Value)> Keys()
    {
        var values = ChartValues.Load(Path.Combine(HelmChart.Directory, "values.yaml"));
        foreach (var row in ChartValues.Rows(File.ReadAllText(Path.Combine(HelmChart.Directory, "README.md"))))
        {
            Assert.True(ChartValues.TryGet(values, row.Key, out var value), row.Key);
            yield return (row.Key, value);
        }
    }

    [SkippableFact]
    public async Task Every_key_refuses_a_value_of_the_wrong_type_naming_it()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var leaves = Keys().ToList();
        Assert.True(leaves.Count > 50, $"only {leaves.Count} keys in values.yaml?");

        // helm reports every schema violation at once, so a dozen keys go wrong per render.
        foreach (var chunk in leaves.Chunk(12))
        {
            var args = chunk.SelectMany(l => new[] { "--set-json", $"{l.Key}={(l.Value is JsonObject ? "\"not-an-object\"" : "{\"not\":\"this\"}")}" }).ToArray();
            var (code, _, errors) = await HelmChart.RunAsync(args);
            Assert.NotEqual(0, code);
            foreach (var (key, _) in chunk)
            {
                Assert.True(errors.Contains("'/" + key.Replace('.', '/') + "'", StringComparison.Ordinal), $"a wrong type at {key} was not named:\n{errors}");
            }
        }
    }

    [SkippableFact]
    public async Task Random_values_are_refused_naming_the_key_or_render_valid_objects()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var leaves = Keys().Select(l => l.Key).ToList();
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (var i = 0; i < 30; i++)
        {
            var key = leaves[random.Next(leaves.Count)];
            var value = Pool[random.Next(Pool.Length)];
            var (code, rendered, errors) = await HelmChart.RunAsync("--set-json", $"{key}={value}");
            if (code != 0)
            {
                // Schema errors name the JSON pointer; the chart's own checks name the key (or the keys it relates).
                var named = errors.Contains("/" + key.Replace('.', '/'), StringComparison.Ordinal) || errors.Contains(key.Split('.')[0], StringComparison.Ordinal);
                Assert.True(named, $"seed {seed}: {key}={value} was refused without naming {key}:\n{errors}");
                continue;
            }

            var objects = HelmChart.Documents(rendered);
            Assert.NotEmpty(objects["Service"]);
            HelmChart.AssertKnownFieldsOnly(objects, $"seed {seed}: {key}={value}");
        }
    }
}
