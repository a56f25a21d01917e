using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.FrontEnds;
using Sockway.Controller.Translation.FrontEnds.HttpRoutes;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation;

/// <summary>Which routes this installation serves.</summary>
/// <param name="Now">The time TLS certificates are checked against (expiry warnings); null skips that check.</param>
public sealed record TranslationOptions(string RouteClassName = TranslationOptions.DefaultRouteClass, DateTimeOffset? Now = null)
{
    public const string DefaultRouteClass = "sockway";

    /// <summary>Routes without a class belong to the default class; others must name this installation's class.</summary>
    public bool Serves(WebSocketRoute route)
    {
        var routeClass = route.Spec?.RouteClassName;
        return string.IsNullOrEmpty(routeClass) ? RouteClassName == DefaultRouteClass : routeClass == RouteClassName;
    }
}

/// <summary>The gateway configuration and the status of every route this installation serves.</summary>
/// <param name="Routes">One outcome per WebSocketRoute.</param>
/// <param name="Intents">One outcome per route intent, whichever front-end it came from (front-ends fold them into their objects' status).</param>
public sealed record TranslationResult(GatewayConfig Config, IReadOnlyList<RouteOutcome> Routes)
{
    public IReadOnlyList<IntentOutcome> Intents { get; init; } = [];

    // Gateway API: only the objects this installation owns (its GatewayClasses, their Gateways, the routes attached).
    public IReadOnlyList<GatewayClassOutcome> GatewayClasses { get; init; } = [];

    public IReadOnlyList<GatewayOutcome> Gateways { get; init; } = [];

    public IReadOnlyList<HttpRouteOutcome> HttpRoutes { get; init; } = [];

    public IReadOnlyList<PolicyOutcome> Policies { get; init; } = [];
}

/// <summary>What became of one route intent.</summary>
public sealed record IntentOutcome(RouteIntent Intent, RouteOutcome Outcome);

/// <summary>
/// The pure heart of Sockway: snapshot in, gateway config and route statuses out. No I/O, no clock, no
/// randomness; the same snapshot always gives the same result. Front-ends turn their kinds into route intents; the
/// core below resolves, de-conflicts and builds the gateway config from intents alone.
/// </summary>
public static class Translator
{
    private static readonly IRouteFrontEnd[] FrontEnds = [WebSocketRouteFrontEnd.Instance, GatewayApiFrontEnd.Instance];

    public static TranslationResult Translate(ClusterSnapshot snapshot, TranslationOptions? options = null)
    {
        options ??= new TranslationOptions();
        var index = new SnapshotIndex(snapshot);
        var claims = new Dictionary<string, RouteOrigin>(StringComparer.Ordinal);
        var routes = new List<GatewayRoute>();
        var certificates = new Dictionary<string, TlsCertificate>(StringComparer.Ordinal);
        var intentOutcomes = new List<IntentOutcome>();
        var rejected = new List<RouteOutcome>();
        var ranked = new List<(RouteIntent Intent, int Rank)>();
        var folds = new List<Func<IReadOnlyList<IntentOutcome>, TranslationResult, TranslationResult>>();
        foreach (var frontEnd in FrontEnds)
        {
            var output = frontEnd.Read(snapshot, options);
            rejected.AddRange(output.Rejected);
            if (output.Fold is { } fold)
            {
                folds.Add(fold);
            }

            ranked.AddRange(output.Intents.Select(i => (i, frontEnd.Rank)));
        }

        // Oldest first: on a host+path conflict the route that was there first keeps it. (The directory source stamps
        // creationTimestamp in first-seen order, as an API server would, so a file added later never takes a path.)
        // Same age: the front-end's rank, then namespace, name and id, so the choice never depends on input order.
        var ordered = ranked
            .OrderBy(r => r.Intent.Origin.CreatedAt ?? DateTime.MaxValue)
            .ThenBy(r => r.Rank)
            .ThenBy(r => r.Intent.Origin.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.Intent.Origin.Key.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Intent.Id, StringComparer.Ordinal)
            .Select(r => r.Intent);

        foreach (var intent in ordered)
        {
            var origin = intent.Origin;
            if (FindConflict(intent, claims) is { } conflict)
            {
                intentOutcomes.Add(new(intent, RouteOutcomes.Rejected(origin.Key, origin.Generation, RouteConditions.Reasons.Conflicted, conflict)));
                continue;
            }

            foreach (var claim in ClaimsOf(intent))
            {
                claims[claim] = origin;
            }

            var backend = BackendResolver.Resolve(intent.Backends, index);
            var (refsFailure, tlsWarning) = backend.Failure is { } failure ? (failure, null) : AddCertificate(intent, index, certificates, options.Now);
            var notes = backend.Skipped.Prepend(tlsWarning).OfType<string>().ToList();
            var settings = intent.Settings;
            routes.Add(new GatewayRoute
            {
                Id = intent.Id,
                Hosts = intent.Hosts,
                Path = intent.Path,
                PathType = intent.PathType,
                Headers = intent.Headers,
                Endpoints = backend.Endpoints,
                Balancing = settings.Balancing,
                IdleTimeout = settings.IdleTimeout,
                ConnectTimeout = settings.ConnectTimeout,
                HandshakeTimeout = settings.HandshakeTimeout,
                DrainTimeout = settings.DrainTimeout,
                Limits = settings.Limits,
                AllowedOrigins = settings.AllowedOrigins,
                AllowPlainHttp = settings.AllowPlainHttp,
            });
            intentOutcomes.Add(new(intent, RouteOutcomes.Accepted(origin.Key, origin.Generation, refsFailure, backend.Endpoints.Count(e => e.Ready), notes)));
        }

        var config = new GatewayConfig(
            routes.OrderBy(r => r.Id, StringComparer.Ordinal).ToList(),
            certificates.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList());
        var webSocketRoutes = intentOutcomes.Where(o => o.Intent.Origin.Kind == RouteValidator.Kind).Select(o => o.Outcome).Concat(rejected);
        var result = new TranslationResult(config, webSocketRoutes.OrderBy(o => o.Key.ToString(), StringComparer.Ordinal).ToList())
        {
            Intents = intentOutcomes.OrderBy(o => o.Intent.Id, StringComparer.Ordinal).ToList(),
        };
        return folds.Aggregate(result, (current, fold) => fold(result.Intents, current));
    }

    private static IEnumerable<string> ClaimsOf(RouteIntent route)
    {
        IEnumerable<string> hosts = route.Hosts.Count == 0 ? ["*"] : route.Hosts;
        // Header matches make a different claim on the same host and path (names compare case-insensitively).
        var headers = string.Concat(route.Headers.OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).Select(h => $" {h.Name.ToLowerInvariant()}={h.Value}"));
        return hosts.Select(h => $"{h} {route.PathType} {route.Path}{headers}");
    }

    private static string? FindConflict(RouteIntent route, Dictionary<string, RouteOrigin> claims)
    {
        foreach (var claim in ClaimsOf(route))
        {
            if (claims.TryGetValue(claim, out var owner))
            {
                var parts = claim.Split(' ', 4);
                var headers = parts.Length > 3 ? $" with headers {parts[3]}" : string.Empty;
                return $"host '{parts[0]}' path '{parts[2]}' ({parts[1]}){headers} is already routed by the older {owner}";
            }
        }

        return null;
    }

    private static (RouteCondition? Failure, string? Warning) AddCertificate(RouteIntent route, SnapshotIndex index,
        Dictionary<string, TlsCertificate> certificates, DateTimeOffset? now)
    {
        if (route.Tls is not { } tls)
        {
            return (null, null);
        }

        if (!index.Secrets.TryGetValue((tls.Namespace, tls.Name), out var secret))
        {
            return (new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.SecretNotFound,
                $"Secret {tls} not found (only Secrets of type {TlsSecretReader.TlsType} are read)"), null);
        }

        var contents = TlsSecretReader.Read(secret, now);
        if (contents.Failure is not null)
        {
            // No certificate for this route's hosts: a client asking for them by SNI fails the handshake instead of
            // being served some other route's certificate.
            return (contents.Failure, null);
        }

        var id = tls.ToString();
        // A route without hosts matches every host name: its certificate answers names no other certificate covers.
        IEnumerable<string> routeHosts = route.Hosts.Count == 0 ? [TlsCertificate.AnyHost] : route.Hosts;
        var hosts = certificates.TryGetValue(id, out var existing) ? existing.Hosts.Union(routeHosts).ToList() : routeHosts.ToList();
        certificates[id] = new TlsCertificate(id, hosts, contents.CertificatePem!, contents.KeyPem!);
        return (null, contents.Warning);
    }
}
