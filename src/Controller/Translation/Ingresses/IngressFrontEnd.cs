using k8s.Models;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.FrontEnds;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation.Ingresses;

/// <summary>
/// networking.k8s.io/v1 Ingress: one intent per rule path (id <c>Ingress:ns/name/RULE/PATH</c>, by index) and one for
/// spec.defaultBackend (<c>Ingress:ns/name/default</c>). An Ingress with any bad field or annotation value is rejected
/// whole, with every problem named, so it never half-serves.
/// </summary>
internal sealed class IngressFrontEnd : IRouteFrontEnd
{
    public const string Kind = "Ingress";

    public static IngressFrontEnd Instance { get; } = new();

    /// <summary>
    /// After WebSocketRoute (0) and HTTPRoute (1): among routes of the same age, the richer, explicit APIs win a
    /// host+path conflict over an Ingress (usually left over from a migration). See docs/bad-config.md.
    /// </summary>
    public int Rank => 2;

    public FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options)
    {
        var filter = new IngressClassFilter(snapshot.IngressClasses, options.RouteClassName);
        var intents = new List<RouteIntent>();
        var reports = new List<IngressReport>();
        foreach (var ingress in SnapshotIndex.Distinct(snapshot.Ingresses.Where(i => i is not null)).Where(filter.Serves))
        {
            var read = ReadOne(ingress);
            intents.AddRange(read.Intents);
            reports.Add(read.Report);
        }

        return new FrontEndOutput(intents, []) { Ingresses = reports };
    }

    /// <summary>One Ingress, whatever its class (`sockway convert` reads them this way too).</summary>
    public static (IReadOnlyList<RouteIntent> Intents, IngressReport Report) ReadOne(V1Ingress ingress)
    {
        var key = new RouteKey(SnapshotIndex.NamespaceOf(ingress.Metadata), ingress.Metadata.Name);
        var errors = new List<string>();
        var notes = new List<AnnotationNote>();
        var spec = ingress.Spec ?? new V1IngressSpec();
        var tls = ReadTls(spec, key, errors);
        var origin = new RouteOrigin(Kind, key, ingress.Metadata.CreationTimestamp, ingress.Metadata.Generation);
        var drafts = new List<RouteIntent>();
        var rules = spec.Rules ?? [];
        for (var r = 0; r < rules.Count; r++)
        {
            var field = $"spec.rules[{r}]";
            var rule = rules[r];
            if (rule is null)
            {
                errors.Add($"{field}: empty; expected a rule (host, http.paths)");
                continue;
            }

            var host = rule.Host;
            if (!string.IsNullOrEmpty(host) && !RouteValidator.IsHost(host))
            {
                errors.Add($"{field}.host: '{IngressAnnotations.Clip(host)}' is not a lower-case DNS name or *.wildcard");
            }

            var paths = rule.Http?.Paths;
            if (rule.Http is not null && (paths is null || paths.Count == 0))
            {
                errors.Add($"{field}.http.paths: required (at least one path)");
            }

            for (var p = 0; p < (paths?.Count ?? 0); p++)
            {
                if (ReadPath(paths![p], $"{field}.http.paths[{p}]", key, errors) is { } path)
                {
                    drafts.Add(Intent(origin, $"{r}/{p}", host, path.Path, path.Type, path.Backend));
                }
            }
        }

        if (spec.DefaultBackend is { } fallback && ReadBackend(fallback, "spec.defaultBackend", key, errors) is { } target)
        {
            drafts.Add(Intent(origin, "default", null, "/", PathMatchType.Prefix, target));
        }
        else if (rules.Count == 0 && spec.DefaultBackend is null)
        {
            errors.Add("spec: neither rules nor defaultBackend; the Ingress routes nothing");
        }

        var settings = IngressAnnotations.Read(ingress.Metadata.Annotations, errors, notes);
        var intents = new List<RouteIntent>();
        foreach (var draft in drafts)
        {
            // ssl-redirect (on unless "false", as in nginx) redirects only hosts this Ingress has TLS for.
            var secret = SecretFor(draft.Hosts, tls);
            intents.Add(draft with
            {
                Tls = secret is null ? null : new SecretRef(key.Namespace, secret),
                Settings = settings with { RedirectToHttps = settings.RedirectToHttps && secret is not null },
            });
        }

        var report = new IngressReport(key, ingress.Metadata.Generation, errors, notes);
        return (errors.Count == 0 ? intents : [], report);
    }

    private static RouteIntent Intent(RouteOrigin origin, string suffix, string? host, string path, PathMatchType type, BackendTarget backend) => new()
    {
        Id = $"{Kind}:{origin.Key}/{suffix}",
        Origin = origin,
        Hosts = string.IsNullOrEmpty(host) ? [] : [host],
        Path = path,
        PathType = type,
        Backends = [backend],
    };

    private static (string Path, PathMatchType Type, BackendTarget Backend)? ReadPath(V1HTTPIngressPath? item, string field, RouteKey key, List<string> errors)
    {
        if (item is null)
        {
            errors.Add($"{field}: empty; expected a path (path, pathType, backend)");
            return null;
        }

        PathMatchType? type = item.PathType switch
        {
            "Prefix" => PathMatchType.Prefix,
            "Exact" => PathMatchType.Exact,
            // ingress-nginx treats it as a prefix (a regex with use-regex); Sockway: a prefix, and refuses regex syntax.
            "ImplementationSpecific" => PathMatchType.Prefix,
            null => null,
            _ => null,
        };
        if (type is null)
        {
            errors.Add(item.PathType is null
                ? $"{field}.pathType: required (Exact, Prefix or ImplementationSpecific)"
                : $"{field}.pathType: '{IngressAnnotations.Clip(item.PathType)}' is not one of Exact, Prefix, ImplementationSpecific");
        }

        var path = string.IsNullOrEmpty(item.Path) && item.PathType == "ImplementationSpecific" ? "/" : item.Path ?? string.Empty;
        if (!path.StartsWith('/') || path.Contains("//", StringComparison.Ordinal) || path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || path.Length > 1024)
        {
            errors.Add($"{field}.path: '{IngressAnnotations.Clip(path)}' must be an absolute path starting with '/'");
        }
        else if (path.IndexOfAny(RegexCharacters) >= 0)
        {
            errors.Add($"{field}.path: '{IngressAnnotations.Clip(path)}' holds regular-expression syntax; Sockway matches paths as prefixes or exactly, never as regexes");
        }
        else if (type == PathMatchType.Exact && path.Length > 1 && path.EndsWith('/'))
        {
            errors.Add($"{field}.path: an Exact path must not end with '/' ('{IngressAnnotations.Clip(path)}')");
        }

        var backend = item.Backend is null ? null : ReadBackend(item.Backend, $"{field}.backend", key, errors);
        if (item.Backend is null)
        {
            errors.Add($"{field}.backend: required");
        }

        // Kubernetes Prefix matches whole segments: "/chat/" is "/chat".
        var normal = type == PathMatchType.Prefix && path.Length > 1 ? path.TrimEnd('/') : path;
        return type is { } t && backend is not null ? (normal, t, backend) : null;
    }

    private static readonly char[] RegexCharacters = ['*', '(', ')', '[', ']', '^', '$', '+', '?', '|', '\\', '{', '}'];

    private static BackendTarget? ReadBackend(V1IngressBackend backend, string field, RouteKey key, List<string> errors)
    {
        if (backend.Resource is not null)
        {
            errors.Add($"{field}.resource: resource backends ({IngressAnnotations.Clip(backend.Resource.Kind)}) are not supported; Sockway proxies to Services only");
            return null;
        }

        var service = backend.Service;
        if (service is null)
        {
            errors.Add($"{field}.service: required");
            return null;
        }

        var ok = true;
        if (!RouteValidator.IsDnsLabel(service.Name))
        {
            errors.Add(string.IsNullOrEmpty(service.Name) ? $"{field}.service.name: required" : $"{field}.service.name: '{IngressAnnotations.Clip(service.Name)}' is not a valid Service name");
            ok = false;
        }

        IntOrString? port = null;
        if (service.Port is null || (service.Port.Number is null && string.IsNullOrEmpty(service.Port.Name)))
        {
            errors.Add($"{field}.service.port: required (number or name)");
        }
        else if (service.Port.Number is { } number && service.Port.Name is { Length: > 0 })
        {
            errors.Add($"{field}.service.port: give number or name, not both");
        }
        else if (service.Port.Number is { } n)
        {
            if (n is < 1 or > 65535)
            {
                errors.Add($"{field}.service.port.number: {n} is outside 1-65535");
            }
            else
            {
                port = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        else if (!RouteValidator.IsDnsLabel(service.Port.Name) || service.Port.Name.Length > 15)
        {
            errors.Add($"{field}.service.port.name: '{IngressAnnotations.Clip(service.Port.Name)}' is not a port name");
        }
        else
        {
            port = service.Port.Name;
        }

        return ok && port is not null ? new BackendTarget(key.Namespace, service.Name, port) : null;
    }

    private static List<(IReadOnlyList<string> Hosts, string Secret)> ReadTls(V1IngressSpec spec, RouteKey key, List<string> errors)
    {
        var entries = new List<(IReadOnlyList<string>, string)>();
        var tls = spec.Tls ?? [];
        for (var i = 0; i < tls.Count; i++)
        {
            var field = $"spec.tls[{i}]";
            if (tls[i] is not { } entry)
            {
                errors.Add($"{field}: empty; expected hosts and secretName");
                continue;
            }

            var hosts = entry.Hosts ?? [];
            for (var h = 0; h < hosts.Count; h++)
            {
                if (!RouteValidator.IsHost(hosts[h]))
                {
                    errors.Add($"{field}.hosts[{h}]: '{IngressAnnotations.Clip(hosts[h])}' is not a lower-case DNS name or *.wildcard");
                }
            }

            if (string.IsNullOrEmpty(entry.SecretName))
            {
                errors.Add($"{field}.secretName: required (Sockway has no default certificate)");
            }
            else if (!RouteValidator.IsDnsSubdomain(entry.SecretName))
            {
                errors.Add($"{field}.secretName: '{IngressAnnotations.Clip(entry.SecretName)}' is not a valid Secret name");
            }
            else
            {
                entries.Add((hosts.Where(h => h is not null).ToList(), entry.SecretName));
            }
        }

        return entries;
    }

    /// <summary>The first TLS entry listing the host (an entry without hosts covers rules without a host).</summary>
    private static string? SecretFor(IReadOnlyList<string> hosts, List<(IReadOnlyList<string> Hosts, string Secret)> tls)
    {
        var host = hosts.Count == 0 ? null : hosts[0];
        foreach (var (names, secret) in tls)
        {
            if (host is null ? names.Count == 0 : names.Contains(host, StringComparer.Ordinal))
            {
                return secret;
            }
        }

        return null;
    }
}
