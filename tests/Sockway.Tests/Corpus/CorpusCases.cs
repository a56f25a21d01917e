using System.Text;
using System.Text.RegularExpressions;

namespace Sockway.Tests.Corpus;

/// <summary>One hostile manifest and what a user must get from it (see Corpus/HostileManifests/README.md).</summary>
public sealed record CorpusCase(string Name, byte[] Content, string Expect, IReadOnlyDictionary<string, string> Keys)
{
    public string FileName => Name + ".yaml";

    public string? Get(string key) => Keys.TryGetValue(key, out var value) ? value : null;

    public override string ToString() => Name;
}

/// <summary>Loads the corpus: the fixture files plus generated cases too large or too odd to commit.</summary>
public static partial class CorpusCases
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Corpus", "HostileManifests");

    private static readonly Lazy<IReadOnlyList<CorpusCase>> Cases = new(Load);

    public static IReadOnlyList<CorpusCase> All => Cases.Value;

    public static CorpusCase Get(string name) => All.Single(c => c.Name == name);

    public static IEnumerable<object[]> Names() => All.Select(c => new object[] { c.Name });

    private static IReadOnlyList<CorpusCase> Load()
    {
        var cases = System.IO.Directory.GetFiles(Directory, "*.yaml").Order(StringComparer.Ordinal)
            .Select(path => Parse(Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path)))
            .ToList();

        // 25 MB of valid-looking YAML: refused unread, never parsed into memory-hungry objects.
        var big = new StringBuilder("# expect: error\n# says: are refused\napiVersion: v1\nkind: Service\nmetadata: {name: huge, namespace: default}\nspec:\n  ports:\n");
        while (big.Length < 25 * 1024 * 1024)
        {
            big.Append("  - {name: http, port: 80}\n");
        }

        cases.Add(Parse("generated-25-megabytes", Encoding.UTF8.GetBytes(big.ToString())));
        cases.Add(Parse("generated-nul-byte-mid-file", Encoding.UTF8.GetBytes(
            "# expect: error\n# says: binary\napiVersion: v1\nkind: Service\nmetadata: {name: n\0ul, namespace: default}\n")));
        cases.Add(Parse("generated-invalid-utf8", [.. "# expect: error\napiVersion: v1\nkind: Service\nmetadata: {name: "u8, 0xC3, 0x28, 0xFF, .. ", namespace: default}\nspec: {ports: [{port: 0}]}\n"u8]));
        return cases;
    }

    private static CorpusCase Parse(string name, byte[] content)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in HeaderLine().Matches(Encoding.Latin1.GetString(content, 0, Math.Min(content.Length, 2048))))
        {
            keys.TryAdd(match.Groups["key"].Value, match.Groups["value"].Value.TrimEnd('\r'));
        }

        return new CorpusCase(name, content, keys.TryGetValue("expect", out var expect) ? expect : throw new InvalidDataException($"{name}: no '# expect:' line"), keys);
    }

    [GeneratedRegex("^# (?<key>expect|object|field|says|route|condition): (?<value>.*)$", RegexOptions.Multiline)]
    private static partial Regex HeaderLine();
}
