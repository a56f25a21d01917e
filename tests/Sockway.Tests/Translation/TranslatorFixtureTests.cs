using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Xunit;

namespace Sockway.Tests.Translation;

/// <summary>
/// Input manifests → expected gateway config and route statuses, one folder per case under Fixtures/.
/// Set SOCKWAY_UPDATE_FIXTURES=1 to rewrite expected.yaml files from the current output (then review the diff).
/// </summary>
public sealed class TranslatorFixtureTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Translation", "Fixtures");

    public static TheoryData<string> Cases() => FixtureFolders.Under(FixtureRoot);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translates_fixture(string name)
    {
        var dir = Path.Combine(FixtureRoot, name);
        var snapshot = Load(Path.Combine(dir, "input.yaml"));
        var options = File.Exists(Path.Combine(dir, "route-class")) ? new TranslationOptions(File.ReadAllText(Path.Combine(dir, "route-class")).Trim()) : null;

        var actual = FixtureSerializer.ToYaml(Translator.Translate(snapshot, options));

        FixtureFolders.AssertMatches(Path.Combine(dir, "expected.yaml"), SourcePath(name, "expected.yaml"), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translation_is_deterministic_and_independent_of_input_order(string name)
    {
        var snapshot = Load(Path.Combine(FixtureRoot, name, "input.yaml"));
        var reversed = FixtureFolders.Reversed(snapshot);

        Assert.Equal(FixtureSerializer.ToYaml(Translator.Translate(snapshot)), FixtureSerializer.ToYaml(Translator.Translate(reversed)));
    }

    private static ClusterSnapshot Load(string path)
    {
        // No schema validation here: the translator must cope with whatever reaches it.
        var parsed = ManifestParser.Parse(Path.GetFileName(path), File.ReadAllText(path), validateRoutes: false);
        Assert.Empty(parsed.Errors);
        var all = parsed.Objects;
        return new ClusterSnapshot(all.OfType<WebSocketRoute>().ToList(), all.OfType<k8s.Models.V1Service>().ToList(),
            all.OfType<k8s.Models.V1EndpointSlice>().ToList(), all.OfType<k8s.Models.V1Secret>().ToList());
    }

    private static string SourcePath(string name, string file, [System.Runtime.CompilerServices.CallerFilePath] string caller = "") =>
        Path.Combine(Path.GetDirectoryName(caller)!, "Fixtures", name, file);
}
