using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation;
using YamlDotNet.Core;

namespace Sockway.Controller.Sources.Files;

/// <summary>One problem in a manifest file, located as precisely as the parser allows.</summary>
public sealed record ManifestError(string File, string Object, string? Field, int? Line, string Problem)
{
    public override string ToString() =>
        $"{File}{(Line is null ? string.Empty : $":{Line}")}: {Object}: {(Field is null ? string.Empty : $"field '{Field}': ")}{Problem}";
}

/// <summary>The objects a manifest file holds, and what was wrong with it.</summary>
public sealed record ParsedManifest(IReadOnlyList<object> Objects, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Reads the multi-document YAML a user would `kubectl apply`, with KubernetesClient's own YAML loader, and
/// applies the checks the API server would (strict fields, WebSocketRoute schema rules).
/// </summary>
public static class ManifestParser
{
    private static readonly Dictionary<string, Type> Kinds = new(StringComparer.Ordinal)
    {
        [$"{WebSocketRoute.GroupVersion}/{WebSocketRoute.KindName}"] = typeof(WebSocketRoute),
        ["v1/Service"] = typeof(V1Service),
        ["discovery.k8s.io/v1/EndpointSlice"] = typeof(V1EndpointSlice),
        ["v1/Secret"] = typeof(V1Secret),
    };

    /// <param name="validateRoutes">Reject routes the CRD schema would reject, as the API server does on apply.</param>
    public static ParsedManifest Parse(string file, string content, bool validateRoutes = true)
    {
        var objects = new List<object>();
        var errors = new List<ManifestError>();
        foreach (var (document, firstLine) in SplitDocuments(content))
        {
            var name = "document at line " + firstLine;
            try
            {
                var header = KubernetesYaml.Deserialize<ManifestHeader>(document);
                if (header is null || string.IsNullOrEmpty(header.Kind))
                {
                    continue;
                }

                name = $"{header.Kind} {header.Metadata?.NamespaceProperty ?? "default"}/{header.Metadata?.Name ?? "(unnamed)"}";
                if (!Kinds.ContainsKey($"{header.ApiVersion}/{header.Kind}"))
                {
                    // Other kinds (a Deployment next to its Service, say) are not Sockway's business.
                    continue;
                }

                foreach (var item in KubernetesYaml.LoadAllFromString(document, Kinds, strict: true))
                {
                    if (Check(item, file, name, document, firstLine, validateRoutes, errors))
                    {
                        objects.Add(item);
                    }
                }
            }
            catch (YamlException ex)
            {
                var line = (int)ex.Start.Line;
                var problem = ex.InnerException?.Message ?? ex.Message;
                errors.Add(new ManifestError(file, name, YamlFieldPath.At(document, line), firstLine + line - 1, problem));
            }
        }

        return new ParsedManifest(objects, errors);
    }

    private static bool Check(object item, string file, string name, string document, int firstLine, bool validateRoutes, List<ManifestError> errors)
    {
        if (item is IKubernetesObject<V1ObjectMeta> { Metadata.Name: null or "" })
        {
            errors.Add(new ManifestError(file, name, "metadata.name", null, "required"));
            return false;
        }

        if (item is not WebSocketRoute route || !validateRoutes)
        {
            return true;
        }

        var problems = new List<string>();
        RouteValidator.Validate(route, new RouteKey("-", route.Metadata.Name), problems);
        foreach (var problem in problems)
        {
            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            var field = problem[..colon];
            var line = YamlFieldPath.LineOf(document, field);
            errors.Add(new ManifestError(file, name, field, line is null ? null : firstLine + line - 1, problem[(colon + 2)..]));
        }

        return problems.Count == 0;
    }

    private static IEnumerable<(string Document, int FirstLine)> SplitDocuments(string content)
    {
        var lines = content.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = 0;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i == lines.Length || lines[i].TrimEnd() == "---" || lines[i].StartsWith("--- ", StringComparison.Ordinal))
            {
                if (i > start && lines[start..i].Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')))
                {
                    yield return (string.Join('\n', lines[start..i]), start + 1);
                }

                start = i + 1;
            }
        }
    }

    /// <summary>Just enough of any object to name it in an error.</summary>
    private sealed class ManifestHeader
    {
        [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
        public string? ApiVersion { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("kind")]
        public string? Kind { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("metadata")]
        public V1ObjectMeta? Metadata { get; set; }
    }
}
