using System.Text.RegularExpressions;
using k8s.Models;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;
using static Sockway.Controller.Translation.FrontEnds.HttpRoutes.GatewayApiConditions;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>One match of one rule, ready to become a route intent.</summary>
internal sealed record RouteMatchPlan(int Rule, int Match, string Path, PathMatchType PathType, IReadOnlyList<HeaderMatch> Headers, IReadOnlyList<BackendTarget> Backends,
    bool WebSocketOnly);

/// <summary>What an HTTPRoute's spec amounts to: its hostnames, the matches Sockway serves, what it dropped and why.</summary>
internal sealed record RouteRules(IReadOnlyList<string> Hostnames, IReadOnlyList<RouteMatchPlan> Matches, IReadOnlyList<string> Dropped, RouteCondition ResolvedRefs,
    string? Invalid);

/// <summary>
/// Reads an HTTPRoute's hostnames and rules. A rule using something Sockway does not serve (filters, RegularExpression
/// matches, method or query matches) is dropped whole and reported (PartiallyInvalid), never served half-way; backend
/// references that do not resolve are left out of their rule and reported (ResolvedRefs=False), the rule's other
/// backends still serve.
/// </summary>
internal static partial class HttpRouteRules
{
    public const string WebSocketProtocol = "kubernetes.io/ws";
    public const string SecureWebSocketProtocol = "kubernetes.io/wss";

    public static RouteRules Read(HttpRoute route, RouteKey key, SnapshotIndex index, ReferenceGrants grants)
    {
        var spec = route.Spec ?? new HttpRouteSpec();
        var hostnames = new List<string>();
        var invalid = new List<string>();
        for (var i = 0; i < (spec.Hostnames?.Count ?? 0); i++)
        {
            var host = spec.Hostnames![i];
            if (host is null || !RouteValidator.HostName().IsMatch(host))
            {
                invalid.Add($"spec.hostnames[{i}]: '{host}' is not a lower-case DNS name or *.wildcard");
            }
            else
            {
                hostnames.Add(host);
            }
        }

        var matches = new List<RouteMatchPlan>();
        var dropped = new List<string>();
        var failures = new List<RouteCondition>();
        var rules = spec.Rules is { Count: > 0 } r ? r : [new HttpRouteRule()];
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not { } rule)
            {
                dropped.Add($"spec.rules[{i}]: empty");
                continue;
            }

            var problems = new List<string>();
            if (rule.Filters is { Count: > 0 })
            {
                problems.Add($"spec.rules[{i}].filters: HTTPRoute filters are not served yet");
            }

            var backends = ReadBackends(rule.BackendRefs, $"spec.rules[{i}]", key, index, grants, problems, failures, out var webSocketOnly);
            var ruleMatches = rule.Matches is { Count: > 0 } m ? m : [new HttpRouteMatch()];
            var planned = new List<RouteMatchPlan>();
            for (var j = 0; j < ruleMatches.Count; j++)
            {
                if (ReadMatch(ruleMatches[j] ?? new HttpRouteMatch(), $"spec.rules[{i}].matches[{j}]", problems) is { } match)
                {
                    planned.Add(new RouteMatchPlan(i, j, match.Path, match.Type, match.Headers, backends, webSocketOnly));
                }
            }

            if (problems.Count > 0)
            {
                dropped.AddRange(problems);
            }
            else
            {
                matches.AddRange(planned);
            }
        }

        // The first problem's reason (the spec has one per condition), every problem in the message.
        var resolved = failures.Count == 0
            ? True(ResolvedRefs, Reasons.ResolvedRefs, "backend references resolved")
            : False(ResolvedRefs, failures[0].Reason, string.Join("; ", failures.Select(f => f.Message)));
        return new RouteRules(hostnames, matches, dropped, resolved, invalid.Count == 0 ? null : string.Join("; ", invalid));
    }

    private static (string Path, PathMatchType Type, IReadOnlyList<HeaderMatch> Headers)? ReadMatch(HttpRouteMatch match, string field, List<string> problems)
    {
        var before = problems.Count;
        if (match.Method is not null)
        {
            problems.Add($"{field}.method: method matches are not served yet");
        }

        if (match.QueryParams is { Count: > 0 })
        {
            problems.Add($"{field}.queryParams: query parameter matches are not served yet");
        }

        var type = match.Path?.Type ?? "PathPrefix";
        var path = match.Path?.Value ?? "/";
        var pathType = type switch
        {
            "PathPrefix" => PathMatchType.Prefix,
            "Exact" => PathMatchType.Exact,
            _ => (PathMatchType?)null,
        };
        if (pathType is null)
        {
            problems.Add($"{field}.path.type: '{type}' is not served; Sockway serves PathPrefix and Exact");
        }
        else if (!path.StartsWith('/') || path.Contains("//", StringComparison.Ordinal) || path.Any(char.IsWhiteSpace) || path.Any(char.IsControl)
                 || path.Contains('{') || path.Contains('%') || path.Contains('#') || path.Contains('?'))
        {
            problems.Add($"{field}.path.value: '{path}' must be an absolute path starting with '/' (no '//', '%', '#', '?', spaces or braces)");
        }

        var headers = new List<HeaderMatch>();
        for (var k = 0; k < (match.Headers?.Count ?? 0); k++)
        {
            var header = match.Headers![k];
            var at = $"{field}.headers[{k}]";
            if (header is null || (header.Type ?? "Exact") != "Exact")
            {
                problems.Add($"{at}.type: '{header?.Type}' is not served; Sockway serves Exact header matches");
            }
            else if (header.Name is null || !HeaderName().IsMatch(header.Name))
            {
                problems.Add($"{at}.name: '{header.Name}' is not an HTTP header name");
            }
            else if (header.Value is null || header.Value.Length > 4096 || header.Value.Any(c => char.IsControl(c) && c != '\t'))
            {
                problems.Add($"{at}.value: required, at most 4096 characters, no control characters");
            }
            else if (!headers.Any(h => string.Equals(h.Name, header.Name, StringComparison.OrdinalIgnoreCase)))
            {
                // The spec: of two matches on one header name, the first wins.
                headers.Add(new HeaderMatch(header.Name, header.Value));
            }
        }

        return problems.Count == before ? (path, pathType!.Value, headers) : null;
    }

    private static List<BackendTarget> ReadBackends(IList<HttpBackendRef>? refs, string field, RouteKey route, SnapshotIndex index, ReferenceGrants grants,
        List<string> problems, List<RouteCondition> failures, out bool webSocketOnly)
    {
        var targets = new List<BackendTarget>();
        var protocols = new List<string?>();
        for (var k = 0; k < (refs?.Count ?? 0); k++)
        {
            var backend = refs![k];
            var at = $"{field}.backendRefs[{k}]";
            if (backend?.Filters is { Count: > 0 })
            {
                problems.Add($"{at}.filters: backendRef filters are not served yet");
                continue;
            }

            if (backend is null || string.IsNullOrEmpty(backend.Name) || (backend.Group ?? string.Empty) != string.Empty || (backend.Kind ?? "Service") != "Service")
            {
                failures.Add(False(ResolvedRefs, Reasons.InvalidKind, $"{at}: {backend?.Group}/{backend?.Kind ?? "Service"} '{backend?.Name}' is not a core Service"));
                continue;
            }

            if (backend.Weight is < 0 or > 1_000_000)
            {
                problems.Add($"{at}.weight: {backend.Weight} is outside 0-1000000");
                continue;
            }

            var ns = backend.Namespace ?? route.Namespace;
            var name = $"Service {ns}/{backend.Name}";
            if (!grants.Permits(GatewayApi.Group, HttpRoute.KindName, route.Namespace, string.Empty, "Service", ns, backend.Name))
            {
                failures.Add(False(ResolvedRefs, Reasons.RefNotPermitted, $"{at}: {name} is in another namespace and no ReferenceGrant there allows it"));
                continue;
            }

            if (!index.Services.TryGetValue((ns, backend.Name), out var service))
            {
                failures.Add(False(ResolvedRefs, Reasons.BackendNotFound, $"{at}: {name} not found"));
                continue;
            }

            var port = service.Spec?.Ports?.OfType<V1ServicePort>().FirstOrDefault(p => p.Port == backend.Port);
            if (backend.Port is null || port is null)
            {
                failures.Add(False(ResolvedRefs, Reasons.BackendNotFound, $"{at}.port: {name} has no port '{backend.Port}'"));
                continue;
            }

            if (port.AppProtocol == SecureWebSocketProtocol)
            {
                // Sockway dials backends in plain HTTP; a wss port would be spoken to in the clear.
                failures.Add(False(ResolvedRefs, Reasons.UnsupportedProtocol, $"{at}: {name} port {port.Port} has appProtocol {SecureWebSocketProtocol}; TLS to backends is not served yet"));
                continue;
            }

            protocols.Add(port.AppProtocol);
            targets.Add(new BackendTarget(ns, backend.Name, (IntOrString)port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), backend.Weight ?? 1));
        }

        webSocketOnly = protocols.Count > 0 && protocols.All(p => p == WebSocketProtocol);
        return targets;
    }

    // RFC 9110 token.
    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$")]
    private static partial Regex HeaderName();
}
