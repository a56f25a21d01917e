using k8s.Models;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Xunit;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Sockway.Tests.Translation.GatewayApi;

/// <summary>
/// The Gateway API front-end: in.yaml (GatewayClasses, Gateways, HTTPRoutes, ReferenceGrants, WebSocketPolicies,
/// Services, slices, Secrets) → out.yaml (the gateway routes served and every status written), one folder per case.
/// SOCKWAY_UPDATE_FIXTURES=1 rewrites out.yaml from the current output (then review the diff).
/// </summary>
public sealed class GatewayApiFixtureTests
{
    private static readonly string FixtureRoot = Path.Combine(AppContext.BaseDirectory, "Translation", "GatewayApi", "Fixtures");

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections)
        .Build();

    public static TheoryData<string> Cases() => FixtureFolders.Under(FixtureRoot);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translates_fixture(string name)
    {
        var snapshot = Load(Path.Combine(FixtureRoot, name, "in.yaml"));
        var actual = ToYaml(Translator.Translate(snapshot, new TranslationOptions(Now: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero))));
        FixtureFolders.AssertMatches(Path.Combine(FixtureRoot, name, "out.yaml"), SourcePath(name), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translation_is_independent_of_input_order(string name)
    {
        var snapshot = Load(Path.Combine(FixtureRoot, name, "in.yaml"));
        var reversed = FixtureFolders.Reversed(snapshot);

        Assert.Equal(ToYaml(Translator.Translate(snapshot)), ToYaml(Translator.Translate(reversed)));
    }

    internal static ClusterSnapshot Load(string path)
    {
        // No schema validation: the front-end must cope with whatever an API server without CEL (or a file) lets through.
        var parsed = ManifestParser.Parse(Path.GetFileName(path), File.ReadAllText(path), validateRoutes: false);
        Assert.Empty(parsed.Errors);
        return Snapshot(parsed.Objects);
    }

    internal static ClusterSnapshot Snapshot(IReadOnlyList<object> all)
    {
        return new ClusterSnapshot(all.OfType<WebSocketRoute>().ToList(), all.OfType<V1Service>().ToList(), all.OfType<V1EndpointSlice>().ToList(),
            all.OfType<V1Secret>().ToList())
        {
            GatewayClasses = all.OfType<GatewayClass>().ToList(),
            Gateways = all.OfType<GatewayResource>().ToList(),
            HttpRoutes = all.OfType<HttpRoute>().ToList(),
            ReferenceGrants = all.OfType<ReferenceGrant>().ToList(),
            WebSocketPolicies = all.OfType<WebSocketPolicy>().ToList(),
        };
    }

    internal static string ToYaml(TranslationResult result) => Serializer.Serialize(new
    {
        routes = result.Config.Routes.Select(r => new
        {
            id = r.Id,
            hosts = r.Hosts.Count == 0 ? "*" : string.Join(", ", r.Hosts),
            match = $"{r.PathType} {r.Path}" + string.Concat(r.Headers.Select(h => $" [{h.Name}={h.Value}]")),
            endpoints = r.Endpoints.Select(e => $"{e.Key}{(e.Ready ? string.Empty : " (not ready)")}{(e.Weight == 1 ? string.Empty : $" weight {e.Weight:0.###}")}").ToList(),
            settings = $"{r.Balancing.Policy}, idle {r.IdleTimeout?.ToString() ?? "none"}, connect {r.ConnectTimeout}, drain {r.DrainTimeout}, per endpoint {r.Limits.MaxPerEndpoint?.ToString() ?? "-"}, per route {r.Limits.MaxPerRoute?.ToString() ?? "-"}, per client {r.Limits.MaxPerClient?.ToString() ?? "-"} open / {r.Limits.HandshakesPerSecondPerClient?.ToString() ?? "-"} handshakes/s, message {r.MessageLimits.MaxMessageBytes?.ToString() ?? "-"} B, keepalive {(r.Keepalive.Interval == TimeSpan.Zero ? "off" : $"{r.Keepalive.Interval}/{r.Keepalive.Timeout}")}, plain HTTP {(r.AllowPlainHttp ? "allowed" : "426")}",
            allowedOrigins = r.AllowedOrigins,
        }).ToList(),
        certificates = result.Config.Certificates.Select(c => $"{c.Id}: {string.Join(", ", c.Hosts)}").ToList(),
        intents = result.Intents.Where(i => i.Intent.Origin.Kind != "WebSocketRoute").Select(i => $"{i.Intent.Id}: {Conditions(i.Outcome.Conditions)[0]}").ToList(),
        gatewayClasses = result.GatewayClasses.Select(c => new { name = c.Name, conditions = Conditions(c.Conditions) }).ToList(),
        gateways = result.Gateways.Select(g => new
        {
            gateway = g.Key.ToString(),
            conditions = Conditions(g.Conditions),
            listeners = g.Listeners.Select(l => new { name = l.Name, attachedRoutes = l.AttachedRoutes, supportedKinds = l.SupportedKinds, conditions = Conditions(l.Conditions) }).ToList(),
        }).ToList(),
        httpRoutes = result.HttpRoutes.Select(r => new
        {
            route = r.Key.ToString(),
            parents = r.Parents.Select(p => new { parent = p.ToString(), conditions = Conditions(p.Conditions) }).ToList(),
        }).ToList(),
        policies = result.Policies.Select(p => new
        {
            policy = p.Key.ToString(),
            ancestors = p.Ancestors.Select(a => new { ancestor = a.ToString(), conditions = Conditions(a.Conditions) }).ToList(),
        }).ToList(),
        webSocketRoutes = result.Routes.Select(o => $"{o.Key}: {Conditions(o.Conditions)[0]}").ToList(),
    });

    private static List<string> Conditions(IReadOnlyList<RouteCondition> conditions) =>
        conditions.Select(c => $"{c.Type}={(c.Status ? "True" : "False")} {c.Reason}: {c.Message}").ToList();

    private static string SourcePath(string name, [System.Runtime.CompilerServices.CallerFilePath] string caller = "") =>
        Path.Combine(Path.GetDirectoryName(caller)!, "Fixtures", name, "out.yaml");
}
