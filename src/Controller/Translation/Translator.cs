using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
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
public sealed record TranslationResult(GatewayConfig Config, IReadOnlyList<RouteOutcome> Routes);

/// <summary>
/// The pure heart of Sockway: snapshot in, gateway config and route statuses out. No I/O, no clock, no
/// randomness; the same snapshot always gives the same result.
/// </summary>
public static class Translator
{
    public static TranslationResult Translate(ClusterSnapshot snapshot, TranslationOptions? options = null)
    {
        options ??= new TranslationOptions();
        var index = new SnapshotIndex(snapshot);
        var claims = new Dictionary<string, RouteKey>(StringComparer.Ordinal);
        var routes = new List<GatewayRoute>();
        var certificates = new Dictionary<string, TlsCertificate>(StringComparer.Ordinal);
        var outcomes = new List<RouteOutcome>();

        // Oldest first: on a host+path conflict the route that was there first keeps it. (The directory source stamps
        // creationTimestamp in first-seen order, as an API server would, so a file added later never takes a path.)
        // One object per namespace/name, chosen by a stable rule, before anything is keyed by it.
        var ordered = SnapshotIndex.Distinct(snapshot.Routes.Where(r => options.Serves(r)))
            .OrderBy(r => r.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(r => SnapshotIndex.NamespaceOf(r.Metadata), StringComparer.Ordinal)
            .ThenBy(r => r.Metadata.Name, StringComparer.Ordinal);

        foreach (var route in ordered)
        {
            var key = new RouteKey(SnapshotIndex.NamespaceOf(route.Metadata), route.Metadata.Name);
            var generation = route.Metadata.Generation;
            var errors = new List<string>();
            var valid = RouteValidator.Validate(route, key, errors);
            if (valid is null)
            {
                outcomes.Add(Rejected(key, generation, RouteConditions.Reasons.Invalid, string.Join("; ", errors)));
                continue;
            }

            var conflict = FindConflict(valid, claims);
            if (conflict is not null)
            {
                outcomes.Add(Rejected(key, generation, RouteConditions.Reasons.Conflicted, conflict));
                continue;
            }

            foreach (var claim in ClaimsOf(valid))
            {
                claims[claim] = key;
            }

            var backend = BackendResolver.Resolve(valid, index);
            var (refsFailure, tlsWarning) = backend.Failure is { } failure ? (failure, null) : AddCertificate(valid, index, certificates, options.Now);
            var notes = backend.Skipped.Prepend(tlsWarning).OfType<string>().ToList();
            routes.Add(new GatewayRoute
            {
                Id = key.ToString(),
                Hosts = valid.Hosts,
                Path = valid.Path,
                PathType = valid.PathType,
                Endpoints = backend.Endpoints,
                Balancing = valid.Balancing,
                IdleTimeout = valid.IdleTimeout,
                ConnectTimeout = valid.ConnectTimeout,
                HandshakeTimeout = valid.HandshakeTimeout,
                DrainTimeout = valid.DrainTimeout,
                Limits = valid.Limits,
                AllowedOrigins = valid.AllowedOrigins,
                AllowPlainHttp = valid.AllowPlainHttp,
                Keepalive = valid.Keepalive,
                MessageLimits = valid.MessageLimits,
            });
            outcomes.Add(AcceptedOutcome(key, generation, refsFailure, backend.Endpoints.Count(e => e.Ready), notes));
        }

        var config = new GatewayConfig(
            routes.OrderBy(r => r.Id, StringComparer.Ordinal).ToList(),
            certificates.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList());
        return new TranslationResult(config, outcomes.OrderBy(o => o.Key.ToString(), StringComparer.Ordinal).ToList());
    }

    private static IEnumerable<string> ClaimsOf(ValidatedRoute route)
    {
        IEnumerable<string> hosts = route.Hosts.Count == 0 ? ["*"] : route.Hosts;
        return hosts.Select(h => $"{h} {route.PathType} {route.Path}");
    }

    private static string? FindConflict(ValidatedRoute route, Dictionary<string, RouteKey> claims)
    {
        foreach (var claim in ClaimsOf(route))
        {
            if (claims.TryGetValue(claim, out var owner))
            {
                var parts = claim.Split(' ');
                return $"host '{parts[0]}' path '{parts[2]}' ({parts[1]}) is already routed by the older WebSocketRoute {owner}";
            }
        }

        return null;
    }

    private static (RouteCondition? Failure, string? Warning) AddCertificate(ValidatedRoute route, SnapshotIndex index,
        Dictionary<string, TlsCertificate> certificates, DateTimeOffset? now)
    {
        if (route.TlsSecretName is null)
        {
            return (null, null);
        }

        var ns = route.Key.Namespace;
        if (!index.Secrets.TryGetValue((ns, route.TlsSecretName), out var secret))
        {
            return (new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.SecretNotFound,
                $"Secret {ns}/{route.TlsSecretName} not found (only Secrets of type {TlsSecretReader.TlsType} are read)"), null);
        }

        var contents = TlsSecretReader.Read(secret, now);
        if (contents.Failure is not null)
        {
            // No certificate for this route's hosts: a client asking for them by SNI fails the handshake instead of
            // being served some other route's certificate.
            return (contents.Failure, null);
        }

        var id = $"{ns}/{route.TlsSecretName}";
        // A route without hosts matches every host name: its certificate answers names no other certificate covers.
        IEnumerable<string> routeHosts = route.Hosts.Count == 0 ? [TlsCertificate.AnyHost] : route.Hosts;
        var hosts = certificates.TryGetValue(id, out var existing) ? existing.Hosts.Union(routeHosts).ToList() : routeHosts.ToList();
        certificates[id] = new TlsCertificate(id, hosts, contents.CertificatePem!, contents.KeyPem!);
        return (null, contents.Warning);
    }

    private static RouteOutcome Rejected(RouteKey key, long? generation, string reason, string message) => new(key, generation,
    [
        new RouteCondition(RouteConditions.Accepted, false, reason, message),
        new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
        new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
    ], 0);

    private static RouteOutcome AcceptedOutcome(RouteKey key, long? generation, RouteCondition? refsFailure, int readyEndpoints, List<string> notes)
    {
        var warnings = notes.Count == 0 ? string.Empty : "; warning: " + string.Join("; ", notes);
        var ready = refsFailure is not null
            ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.UnresolvedRefs, refsFailure.Message)
            : readyEndpoints == 0
                ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NoReadyEndpoints, "the backend has no ready endpoints; requests get 503" + warnings)
                : new RouteCondition(RouteConditions.Ready, true, RouteConditions.Reasons.Ready, $"{readyEndpoints} ready endpoint(s){warnings}");
        return new RouteOutcome(key, generation,
        [
            new RouteCondition(RouteConditions.Accepted, true, RouteConditions.Reasons.Accepted, "route accepted"),
            refsFailure ?? new RouteCondition(RouteConditions.ResolvedRefs, true, RouteConditions.Reasons.ResolvedRefs, "backend Service and port resolved"),
            ready,
        ], readyEndpoints);
    }
}
