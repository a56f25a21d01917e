using System.Text;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Xunit;

namespace Sockway.Tests.Corpus;

/// <summary>
/// Every corpus case, in memory: the parser reports what its header expects (file, line, object, field, words a user
/// understands) without throwing, and translating it next to the good route never throws nor moves the good route.
/// </summary>
public sealed class HostileManifestCorpusTests
{
    [Fact]
    public void The_corpus_holds_at_least_60_broken_manifests()
    {
        Assert.True(CorpusCases.All.Count(c => c.Expect != "clean") >= 60, $"{CorpusCases.All.Count} cases");
    }

    [Theory]
    [MemberData(nameof(CorpusCases.Names), MemberType = typeof(CorpusCases))]
    public void Case_is_reported_as_expected_and_the_good_route_keeps_serving(string name)
    {
        var corpusCase = CorpusCases.Get(name);
        // As the directory source reads a file: UTF-8, invalid bytes replaced.
        var text = new StreamReader(new MemoryStream(corpusCase.Content), Encoding.UTF8).ReadToEnd();

        var parsed = ManifestParser.Parse(corpusCase.FileName, text);

        switch (corpusCase.Expect)
        {
            case "error":
                AssertReported(corpusCase, parsed.Errors);
                Assert.DoesNotContain(parsed.Objects.OfType<WebSocketRoute>(), r => r.Metadata.Name != "good");
                break;
            case "warning":
                Assert.Empty(parsed.Errors);
                AssertReported(corpusCase, parsed.Warnings);
                Assert.Empty(parsed.Objects);
                break;
            case "clean":
                Assert.Empty(parsed.Errors);
                Assert.Empty(parsed.Warnings);
                Assert.Empty(parsed.Objects);
                break;
            case "condition" or "duplicate":
                Assert.Empty(parsed.Errors);
                Assert.NotEmpty(parsed.Objects);
                break;
            default:
                Assert.Fail($"{name}: unknown expectation '{corpusCase.Expect}'");
                break;
        }

        var result = Translator.Translate(CorpusSnapshot.With(parsed.Objects), new TranslationOptions(Now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));

        var good = Assert.Single(result.Routes, o => o.Key.ToString() == CorpusSnapshot.GoodRoute);
        Assert.True(good.Find(RouteConditions.Ready)?.Status, string.Join("; ", good.Conditions));
        Assert.Equal("/good", Assert.Single(result.Config.Routes, r => r.Id == CorpusSnapshot.GoodRoute).Path);
        if (corpusCase.Expect == "condition")
        {
            var outcome = Assert.Single(result.Routes, o => o.Key.ToString() == corpusCase.Get("route"));
            var (type, status, reason) = SplitCondition(corpusCase.Get("condition")!);
            var condition = outcome.Find(type);
            Assert.NotNull(condition);
            Assert.Equal((status, reason), (condition.Status, condition.Reason));
            Assert.Contains(corpusCase.Get("says")!, condition.Message);
        }
    }

    [Fact]
    public void A_route_whose_secret_is_broken_gets_no_certificate_so_its_host_is_never_served_another()
    {
        var objects = CorpusCases.All.Where(c => c.Name.StartsWith("tls-", StringComparison.Ordinal))
            .SelectMany(c => ManifestParser.Parse(c.FileName, Encoding.UTF8.GetString(c.Content)).Objects).ToList();

        var result = Translator.Translate(CorpusSnapshot.With(objects));

        // Only the expired one parses and matches; every other route's host has no certificate at all.
        var certificate = Assert.Single(result.Config.Certificates);
        Assert.Equal(["tls-expired.corpus.test"], certificate.Hosts);
    }

    internal static void AssertReported(CorpusCase corpusCase, IReadOnlyList<ManifestError> reported)
    {
        var summary = string.Join(" | ", reported);
        Assert.True(reported.Count > 0, $"{corpusCase.Name}: nothing reported");
        var match = reported.FirstOrDefault(e =>
            (corpusCase.Get("field") is not { } field || e.Field == field)
            && (corpusCase.Get("says") is not { } says || e.Problem.Contains(says, StringComparison.Ordinal)));
        Assert.True(match is not null, $"{corpusCase.Name}: expected field '{corpusCase.Get("field")}' saying '{corpusCase.Get("says")}', got: {summary}");
        Assert.Equal(corpusCase.FileName, match.File);
        Assert.False(string.IsNullOrEmpty(match.Object));
        Assert.StartsWith(corpusCase.FileName, match.ToString());
        // No .NET type names: the user wrote YAML, not C#.
        Assert.DoesNotContain("System.", match.Problem);
        if (corpusCase.Name != "generated-25-megabytes")
        {
            Assert.NotNull(match.Line);
        }
    }

    private static (string Type, bool Status, string Reason) SplitCondition(string text)
    {
        var parts = text.Split(' ');
        var typeStatus = parts[0].Split('=');
        return (typeStatus[0], typeStatus[1] == "True", parts[1]);
    }
}
