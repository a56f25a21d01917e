using k8s.Models;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Sockway.Controller.Translation.Ingresses;
using Xunit;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Sockway.Tests.Translation;

/// <summary>
/// The Ingress front-end, one folder per case under IngressFixtures/: in.yaml (Ingresses, IngressClasses, Services,
/// slices, Secrets) → out.yaml (the intents it produces, then each Ingress's folded status and annotation report).
/// Set SOCKWAY_UPDATE_FIXTURES=1 to rewrite out.yaml from the current output (then review the diff).
/// </summary>
public sealed class IngressFixtureTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Translation", "IngressFixtures");

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    public static TheoryData<string> Cases() => FixtureFolders.Under(FixtureRoot);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translates_fixture(string name)
    {
        var snapshot = Load(Path.Combine(FixtureRoot, name, "in.yaml"));
        var actual = Render(snapshot);
        FixtureFolders.AssertMatches(Path.Combine(FixtureRoot, name, "out.yaml"), SourcePath(name), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_does_not_depend_on_input_order(string name)
    {
        var snapshot = Load(Path.Combine(FixtureRoot, name, "in.yaml"));
        var reversed = FixtureFolders.Reversed(snapshot);

        Assert.Equal(Render(snapshot), Render(reversed));
    }

    internal static string Render(ClusterSnapshot snapshot)
    {
        var options = new TranslationOptions();
        var intents = IngressFrontEnd.Instance.Read(snapshot, options).Intents.OrderBy(i => i.Id, StringComparer.Ordinal);
        var result = Translator.Translate(snapshot, options);
        return Serializer.Serialize(new
        {
            intents = intents.Select(i => new
            {
                id = i.Id,
                hosts = i.Hosts,
                path = i.Path,
                pathType = i.PathType.ToString(),
                backends = i.Backends.Select(b => $"{b}:{b.Port.Value}").ToList(),
                tls = i.Tls?.ToString(),
                settings = Settings(i.Settings),
            }).ToList(),
            gatewayRoutes = result.Config.Routes.Where(r => r.Id.StartsWith("Ingress:", StringComparison.Ordinal))
                .Select(r => $"{r.Id} -> {string.Join(", ", r.Endpoints.Select(e => e.Key))}").ToList(),
            ingresses = result.Ingresses.Select(o => new
            {
                ingress = o.Key.ToString(),
                observedGeneration = o.ObservedGeneration,
                conditions = o.Conditions.Select(c => $"{c.Type}={(c.Status ? "True" : "False")} {c.Reason}: {c.Message}").ToList(),
                annotations = o.Annotations.Select(a => a.ToString()).ToList(),
            }).ToList(),
        });
    }

    private static List<string> Settings(Sockway.Controller.Translation.Routes.RouteSettings s)
    {
        var d = Sockway.Controller.Translation.Routes.RouteSettings.Default;
        var lines = new List<string>();
        void Add(bool differs, string text)
        {
            if (differs)
            {
                lines.Add(text);
            }
        }

        Add(s.Balancing != d.Balancing, $"balancing {s.Balancing.Policy}{(s.Balancing.HashKey is { } k ? $" on {k.Source} {k.Name}" : string.Empty)}" +
            $"{(s.Balancing.BoundedLoadPercent is { } b ? $" bounded {b}%" : string.Empty)}{(s.Balancing.SlowStart > TimeSpan.Zero ? $" slow start {s.Balancing.SlowStart}" : string.Empty)}");
        Add(s.IdleTimeout != d.IdleTimeout, $"idle {s.IdleTimeout?.ToString() ?? "none"}");
        Add(s.ConnectTimeout != d.ConnectTimeout, $"connect {s.ConnectTimeout}");
        Add(s.HandshakeTimeout != d.HandshakeTimeout, $"handshake {s.HandshakeTimeout}");
        Add(s.DrainTimeout != d.DrainTimeout, $"drain {s.DrainTimeout}");
        Add(s.Limits != d.Limits, $"limits per endpoint {s.Limits.MaxPerEndpoint?.ToString() ?? "none"}, per route {s.Limits.MaxPerRoute?.ToString() ?? "none"}");
        Add(s.AllowedOrigins.Count > 0, $"origins {string.Join(", ", s.AllowedOrigins)}");
        Add(!s.AllowPlainHttp, "no plain HTTP");
        Add(!s.SourceRanges.IsAny, $"sources allow [{string.Join(", ", s.SourceRanges.Allowed)}] deny [{string.Join(", ", s.SourceRanges.Denied)}]");
        Add(s.RedirectToHttps, "redirect to https");
        Add(s.MaxRequestBodyBytes is not null, $"max body {s.MaxRequestBodyBytes} bytes");
        return lines;
    }

    internal static ClusterSnapshot Load(string path)
    {
        var parsed = ManifestParser.Parse(Path.GetFileName(path), File.ReadAllText(path), validateRoutes: false);
        Assert.Empty(parsed.Errors);
        var all = parsed.Objects;
        return new ClusterSnapshot(all.OfType<Sockway.Controller.Api.V1Alpha1.WebSocketRoute>().ToList(), all.OfType<V1Service>().ToList(),
            all.OfType<V1EndpointSlice>().ToList(), all.OfType<V1Secret>().ToList())
        {
            Ingresses = all.OfType<V1Ingress>().ToList(),
            IngressClasses = all.OfType<V1IngressClass>().ToList(),
        };
    }

    private static string SourcePath(string name, [System.Runtime.CompilerServices.CallerFilePath] string caller = "") =>
        Path.Combine(Path.GetDirectoryName(caller)!, "IngressFixtures", name, "out.yaml");
}
