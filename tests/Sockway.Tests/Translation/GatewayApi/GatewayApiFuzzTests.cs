using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Xunit;

namespace Sockway.Tests.Translation.GatewayApi;

/// <summary>
/// Bounded, seeded mutations of every Gateway API fixture (lines dropped, duplicated, values swapped for hostile ones):
/// the parser never throws, the translator never throws and gives the same answer twice, and every status it
/// decides is well formed (a parent entry starts with Accepted; a listener has its four conditions).
/// </summary>
public sealed class GatewayApiFuzzTests
{
    private const int MutationsPerFixture = 60;

    private static readonly string[] HostileValues =
    [
        "null", "~", "\"\"", "[]", "{}", "-1", "0", "70000", "99999999999999999999", "\"*\"", "\"../..\"", "\"/a b\"", "\"\\u0000\"",
        "\"RegularExpression\"", "\"Exact\"", "\"HTTPS\"", "\"Selector\"", "\"All\"", "\"Service\"", "\"HTTPRoute\"", "\"\"", "true",
        "\"sockway.io/gateway-controller\"", "\"gateway.networking.k8s.io\"", "\"" + new string('a', 5000) + "\"",
    ];

    public static TheoryData<string> Cases() => GatewayApiFixtureTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mutated_fixtures_never_throw_and_translate_deterministically(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Translation", "GatewayApi", "Fixtures", name, "in.yaml"));
        // A stable seed per fixture (string.GetHashCode differs per process), so a failure reproduces.
        var random = new Random(name.Aggregate(1806, (h, c) => (h * 31) + c));
        for (var i = 0; i < MutationsPerFixture; i++)
        {
            var mutated = Mutate(lines, random);
            var parsed = ManifestParser.Parse("fuzz.yaml", mutated, validateRoutes: false);
            var snapshot = GatewayApiFixtureTests.Snapshot(parsed.Objects);

            var first = Translator.Translate(snapshot);
            var second = Translator.Translate(snapshot);

            Assert.Equal(GatewayApiFixtureTests.ToYaml(first), GatewayApiFixtureTests.ToYaml(second));
            Assert.All(first.HttpRoutes.SelectMany(r => r.Parents), p => Assert.Equal("Accepted", p.Conditions[0].Type));
            Assert.All(first.Gateways.SelectMany(g => g.Listeners), l => Assert.Equal(["Accepted", "ResolvedRefs", "Conflicted", "Programmed"], l.Conditions.Select(c => c.Type)));
            Assert.All(first.Config.Routes, r => Assert.All(r.Endpoints, e => Assert.True(e.Weight >= 0 && double.IsFinite(e.Weight))));
        }
    }

    private static string Mutate(string[] lines, Random random)
    {
        var result = lines.ToList();
        for (var n = random.Next(1, 4); n > 0 && result.Count > 1; n--)
        {
            var at = random.Next(result.Count);
            switch (random.Next(3))
            {
                case 0:
                    result.RemoveAt(at);
                    break;
                case 1:
                    result.Insert(at, result[at]);
                    break;
                default:
                    var colon = result[at].IndexOf(": ", StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        result[at] = result[at][..(colon + 2)] + HostileValues[random.Next(HostileValues.Length)];
                    }

                    break;
            }
        }

        return string.Join('\n', result);
    }
}
