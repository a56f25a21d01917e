using System.Text;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation;

/// <summary>Which routes this installation serves.</summary>
public sealed record TranslationOptions(string RouteClassName = TranslationOptions.DefaultRouteClass)
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

        // Oldest first: on a host+path conflict the route that was there first keeps it.
        var ordered = snapshot.Routes
            .Where(r => r.Metadata?.Name is not null && options.Serves(r))
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
            var refsFailure = backend.Failure ?? AddCertificate(valid, index, certificates);
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
            });
            outcomes.Add(AcceptedOutcome(key, generation, refsFailure, backend.Endpoints.Count(e => e.Ready)));
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

    private static RouteCondition? AddCertificate(ValidatedRoute route, SnapshotIndex index, Dictionary<string, TlsCertificate> certificates)
    {
        if (route.TlsSecretName is null)
        {
            return null;
        }

        var ns = route.Key.Namespace;
        if (!index.Secrets.TryGetValue((ns, route.TlsSecretName), out var secret))
        {
            return new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.SecretNotFound, $"Secret {ns}/{route.TlsSecretName} not found");
        }

        var cert = ReadSecretValue(secret, "tls.crt");
        var key = ReadSecretValue(secret, "tls.key");
        if (cert is null || key is null || !cert.Contains("-----BEGIN", StringComparison.Ordinal) || !key.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.InvalidSecret,
                $"Secret {ns}/{route.TlsSecretName} must hold PEM data under tls.crt and tls.key");
        }

        var id = $"{ns}/{route.TlsSecretName}";
        var hosts = certificates.TryGetValue(id, out var existing) ? existing.Hosts.Union(route.Hosts).ToList() : route.Hosts.ToList();
        certificates[id] = new TlsCertificate(id, hosts, cert, key);
        return null;
    }

    private static string? ReadSecretValue(k8s.Models.V1Secret secret, string name)
    {
        if (secret.Data?.TryGetValue(name, out var bytes) == true && bytes is not null)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        return secret.StringData?.TryGetValue(name, out var text) == true ? text : null;
    }

    private static RouteOutcome Rejected(RouteKey key, long? generation, string reason, string message) => new(key, generation,
    [
        new RouteCondition(RouteConditions.Accepted, false, reason, message),
        new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
        new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NotAccepted, "route not accepted"),
    ], 0);

    private static RouteOutcome AcceptedOutcome(RouteKey key, long? generation, RouteCondition? refsFailure, int readyEndpoints)
    {
        var ready = refsFailure is not null
            ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.UnresolvedRefs, refsFailure.Message)
            : readyEndpoints == 0
                ? new RouteCondition(RouteConditions.Ready, false, RouteConditions.Reasons.NoReadyEndpoints, "the backend has no ready endpoints; requests get 503")
                : new RouteCondition(RouteConditions.Ready, true, RouteConditions.Reasons.Ready, $"{readyEndpoints} ready endpoint(s)");
        return new RouteOutcome(key, generation,
        [
            new RouteCondition(RouteConditions.Accepted, true, RouteConditions.Reasons.Accepted, "route accepted"),
            refsFailure ?? new RouteCondition(RouteConditions.ResolvedRefs, true, RouteConditions.Reasons.ResolvedRefs, "backend Service and port resolved"),
            ready,
        ], readyEndpoints);
    }
}
