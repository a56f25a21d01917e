using System.Diagnostics;
using System.Text;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Tests.Corpus;

/// <summary>
/// Mutates valid manifests (byte flips, truncations, dropped and repeated lines, values swapped for other types,
/// shifted indentation) and checks that the parser and the translator never throw, whatever comes out. Seeded, so a
/// failure names a seed that reproduces it; bounded in count and in time.
/// </summary>
public sealed class ManifestFuzzTests(ITestOutputHelper output)
{
    private const int Mutations = 600;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    private static readonly string[] Replacements = ["[x, y]", "{a: b}", "-1", "0", "99999999999", "\"\"", "~", "true", "1.5e300", "&a x", "*a", "!!binary AA==", "'", "{", "[", "|", ">-", "- x"];

    public static IEnumerable<object[]> Seeds() => [[1], [2], [3]];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Mutated_manifests_never_make_the_parser_or_translator_throw(int seed)
    {
        var random = new Random(seed);
        var inputs = ValidInputs();
        var watch = Stopwatch.StartNew();
        var done = 0;
        for (; done < Mutations && watch.Elapsed < Budget; done++)
        {
            var original = inputs[random.Next(inputs.Count)];
            var mutated = Mutate(original, random);
            ParsedManifest parsed;
            try
            {
                parsed = ManifestParser.Parse("fuzz.yaml", mutated);
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, mutation {done}: the parser threw {ex}\n--- input ---\n{mutated}");
                return;
            }

            try
            {
                // Unvalidated routes too: whatever reaches the translator (an API server's objects are not re-checked).
                var raw = ManifestParser.Parse("fuzz.yaml", mutated, validateRoutes: false);
                Translator.Translate(CorpusSnapshot.With(parsed.Objects), new TranslationOptions(Now: DateTimeOffset.UnixEpoch));
                Translator.Translate(CorpusSnapshot.With(raw.Objects));
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, mutation {done}: the translator threw {ex}\n--- input ---\n{mutated}");
            }
        }

        output.WriteLine($"seed {seed}: {done} mutations in {watch.Elapsed.TotalSeconds:F1} s");
        // The time bound keeps a loaded CI machine from stalling; the count floor keeps the test from passing empty.
        Assert.True(done >= 25, $"only {done} mutations ran within {Budget}");
    }

    internal static List<string> ValidInputs()
    {
        var fixtures = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Translation", "Fixtures"), "input.yaml", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Translation", "IngressFixtures"), "in.yaml", SearchOption.AllDirectories))
            .Select(File.ReadAllText);
        return [CorpusSnapshot.GoodManifests(8080), .. fixtures];
    }

    internal static string Mutate(string text, Random random)
    {
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            text = random.Next(6) switch
            {
                0 => FlipBytes(text, random),
                1 => text[..random.Next(text.Length + 1)],
                2 => EditLines(text, random, (lines, at) => lines.RemoveAt(at)),
                3 => EditLines(text, random, (lines, at) => lines.Insert(at, lines[at])),
                4 => EditLines(text, random, (lines, at) => lines[at] = SwapValue(lines[at], random)),
                _ => EditLines(text, random, (lines, at) => lines[at] = random.Next(2) == 0 ? "  " + lines[at] : lines[at].TrimStart()),
            };
        }

        return text;
    }

    private static string FlipBytes(string text, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = random.Next(1, 8); i > 0 && bytes.Length > 0; i--)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static string SwapValue(string line, Random random)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        var replacement = Replacements[random.Next(Replacements.Length)];
        return colon < 0 ? line + " " + replacement : line[..(colon + 2)] + replacement;
    }

    private static string EditLines(string text, Random random, Action<List<string>, int> edit)
    {
        var lines = text.Split('\n').ToList();
        if (lines.Count == 0)
        {
            return text;
        }

        edit(lines, random.Next(lines.Count));
        return string.Join('\n', lines);
    }
}
