using k8s;
using k8s.Models;
using Sockway.Controller.Translation.Ingresses;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Conversion;

/// <summary>
/// One gateway.networking.k8s.io/v1 HTTPRoute per Ingress rule (and one for defaultBackend), attached to the Gateway
/// given with --gateway, plus a sockway.io/v1alpha1 WebSocketPolicy targeting it when the annotations set anything
/// beyond the defaults. Written as plain maps: the conversion must not depend on the Gateway API front-end's types.
/// </summary>
internal static class GatewayApiWriter
{
    public const string GatewayGroup = "gateway.networking.k8s.io";

    public static IReadOnlyList<string> Write(V1Ingress ingress, IReadOnlyList<RouteIntent> intents, (string Namespace, string Name) gateway,
        List<AnnotationNote> notes, List<string> errors, string where)
    {
        var documents = new List<string>();
        var ns = SnapshotNamespace(ingress);
        var groups = intents.GroupBy(RuleOf).ToList();
        foreach (var group in groups)
        {
            var name = groups.Count == 1 ? ingress.Metadata.Name : $"{ingress.Metadata.Name}-{group.Key}";
            var rules = new List<object>();
            foreach (var intent in group)
            {
                var backend = intent.Backends[0];
                if (!int.TryParse(backend.Port.Value, out var port))
                {
                    errors.Add($"{where}: path {intent.Id[(intent.Id.IndexOf('/', intent.Id.IndexOf('/') + 1) + 1)..]}: backend port '{backend.Port.Value}' is a name; HTTPRoute backendRefs take a port number");
                    continue;
                }

                rules.Add(Map(
                    ("matches", new List<object> { Map(("path", Map(("type", intent.PathType == PathMatchType.Exact ? "Exact" : "PathPrefix"), ("value", intent.Path)))) }),
                    ("backendRefs", new List<object> { Map(("name", backend.ServiceName), ("port", port)) })));
            }

            var hosts = group.SelectMany(i => i.Hosts).Distinct(StringComparer.Ordinal).ToList();
            var parent = Map(("group", GatewayGroup), ("kind", "Gateway"), ("namespace", gateway.Namespace), ("name", gateway.Name));
            documents.Add(Serialize(Map(
                ("apiVersion", GatewayGroup + "/v1"),
                ("kind", "HTTPRoute"),
                ("metadata", Map(("name", name), ("namespace", ns))),
                ("spec", Map(("parentRefs", new List<object> { parent }), ("hostnames", hosts.Count == 0 ? null : hosts), ("rules", rules))))));
            if (Policy(name, ns, group.First().Settings) is { } policy)
            {
                documents.Add(Serialize(policy));
            }
        }

        foreach (var secret in intents.Where(i => i.Tls is not null).Select(i => i.Tls!.Value).Distinct())
        {
            notes.Add(new AnnotationNote("spec.tls", AnnotationDisposition.Approximated,
                $"HTTPRoute carries no certificate: terminate TLS on an HTTPS listener of Gateway {gateway.Namespace}/{gateway.Name} with certificateRefs Secret {secret}"));
        }

        if (intents.FirstOrDefault() is { } first)
        {
            if (!first.Settings.AllowPlainHttp)
            {
                notes.Add(new AnnotationNote(IngressAnnotations.Sockway + "allow-plain-http", AnnotationDisposition.Dropped, "WebSocketPolicy has no allowPlainHttp: plain HTTP is proxied"));
            }

        }

        IngressConverter.NoteUnexpressed(intents, "HTTPRoute", notes);

        return documents;
    }

    /// <summary>The WebSocketPolicy the two helpers agreed on: exactly WebSocketRoute's balancing, timeouts, limits, allowedOrigins.</summary>
    private static Dictionary<string, object?>? Policy(string route, string ns, RouteSettings settings)
    {
        var balancing = WebSocketRouteWriter.Balancing(settings.Balancing);
        var timeouts = WebSocketRouteWriter.Timeouts(settings);
        var limits = settings.Limits == ConnectionLimits.None ? null : new Api.V1Alpha1.LimitsSpec { MaxConnectionsPerEndpoint = settings.Limits.MaxPerEndpoint, MaxConnectionsPerRoute = settings.Limits.MaxPerRoute };
        var origins = settings.AllowedOrigins.Count == 0 ? null : settings.AllowedOrigins.ToList();
        if (balancing is null && timeouts is null && limits is null && origins is null)
        {
            return null;
        }

        return Map(
            ("apiVersion", "sockway.io/v1alpha1"),
            ("kind", "WebSocketPolicy"),
            ("metadata", Map(("name", route), ("namespace", ns))),
            ("spec", Map(
                ("targetRefs", new List<object> { Map(("group", GatewayGroup), ("kind", "HTTPRoute"), ("name", route)) }),
                ("balancing", balancing), ("timeouts", timeouts), ("limits", limits), ("allowedOrigins", origins))));
    }

    private static string RuleOf(RouteIntent intent)
    {
        var rest = intent.Id[$"{IngressFrontEnd.Kind}:{intent.Origin.Key}/".Length..];
        return rest.Split('/')[0];
    }

    private static string SnapshotNamespace(V1Ingress ingress) =>
        string.IsNullOrEmpty(ingress.Metadata.NamespaceProperty) ? "default" : ingress.Metadata.NamespaceProperty;

    private static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in entries.Where(e => e.Value is not null))
        {
            map[key] = value;
        }

        return map;
    }

    private static string Serialize(object document) => KubernetesYaml.Serialize(document).TrimEnd() + "\n";
}
