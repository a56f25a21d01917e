using k8s;
using k8s.Models;
using Sockway.Controller.Api.GatewayV1;
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

/// <summary>The objects a manifest file holds (with the line each starts at), what was wrong with it, and what was ignored.</summary>
public sealed record ParsedManifest(IReadOnlyList<object> Objects, IReadOnlyList<ManifestError> Errors)
{
    /// <summary>The 1-based line of each object's document, in the order of <see cref="Objects"/>.</summary>
    public IReadOnlyList<int> Lines { get; init; } = [];

    /// <summary>Documents skipped without being an error: kinds or versions Sockway does not read.</summary>
    public IReadOnlyList<ManifestError> Warnings { get; init; } = [];
}

/// <summary>
/// Reads the multi-document YAML a user would `kubectl apply`, with KubernetesClient's own YAML loader, and
/// applies the checks the API server would (strict fields, WebSocketRoute schema rules). Never throws: whatever
/// the input, each problem becomes a <see cref="ManifestError"/> and every good document still loads.
/// </summary>
public static partial class ManifestParser
{
    /// <summary>Larger files are refused unread: the API server limits an object to about 1.5 MB, too.</summary>
    public const int MaxFileBytes = 2 * 1024 * 1024;

    private static readonly Dictionary<string, Type> Kinds = new(StringComparer.Ordinal)
    {
        [$"{WebSocketRoute.GroupVersion}/{WebSocketRoute.KindName}"] = typeof(WebSocketRoute),
        ["v1/Service"] = typeof(V1Service),
        ["discovery.k8s.io/v1/EndpointSlice"] = typeof(V1EndpointSlice),
        ["v1/Secret"] = typeof(V1Secret),
        ["networking.k8s.io/v1/Ingress"] = typeof(V1Ingress),
        ["networking.k8s.io/v1/IngressClass"] = typeof(V1IngressClass),
        [$"{WebSocketRoute.GroupVersion}/{WebSocketPolicy.KindName}"] = typeof(WebSocketPolicy),
        [$"{GatewayApi.GroupVersion}/{GatewayClass.KindName}"] = typeof(GatewayClass),
        [$"{GatewayApi.GroupVersion}/{GatewayResource.KindName}"] = typeof(GatewayResource),
        [$"{GatewayApi.GroupVersion}/{HttpRoute.KindName}"] = typeof(HttpRoute),
        [$"{GatewayApi.GroupVersion}/{ReferenceGrant.KindName}"] = typeof(ReferenceGrant),
        // ReferenceGrant was v1beta1 until Gateway API 1.5; the same shape.
        [$"{GatewayApi.Group}/v1beta1/{ReferenceGrant.KindName}"] = typeof(ReferenceGrant),
    };

    // KubernetesClient's typed, strict loader for each kind. (Its LoadAllFromString builds a new deserializer per call,
    // tens of milliseconds; these share the cached one.)
    private static readonly Dictionary<Type, Func<string, object?>> Loaders = Kinds.Values.Distinct().ToDictionary(t => t, t =>
    {
        var method = typeof(KubernetesYaml).GetMethods()
            .Single(m => m.Name == nameof(KubernetesYaml.Deserialize) && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType: var p }, _] && p == typeof(string))
            .MakeGenericMethod(t);
        return (Func<string, object?>)(yaml => method.Invoke(null, System.Reflection.BindingFlags.DoNotWrapExceptions, null, [yaml, true], null));
    });

    private static readonly string KnownKinds = string.Join(", ", Kinds.Keys.Select(k => $"{k[(k.LastIndexOf('/') + 1)..]} ({k[..k.LastIndexOf('/')]})"));

    /// <param name="validateRoutes">Reject routes the CRD schema would reject, as the API server does on apply.</param>
    public static ParsedManifest Parse(string file, string content, bool validateRoutes = true)
    {
        var objects = new List<object>();
        var lines = new List<int>();
        var errors = new List<ManifestError>();
        var warnings = new List<ManifestError>();
        if (content.Length > MaxFileBytes)
        {
            errors.Add(new ManifestError(file, "(file)", null, null, $"the file is {content.Length / 1024} KiB; manifests larger than {MaxFileBytes / 1024 / 1024} MiB are refused"));
            return new ParsedManifest(objects, errors);
        }

        if (content.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new ManifestError(file, "(file)", null, content[..content.IndexOf('\0', StringComparison.Ordinal)].Count(c => c == '\n') + 1,
                "binary data (NUL bytes), not a YAML manifest"));
            return new ParsedManifest(objects, errors);
        }

        foreach (var (document, firstLine) in SplitDocuments(content))
        {
            var before = objects.Count;
            ParseDocument(file, document, firstLine, validateRoutes, objects, errors, warnings);
            lines.AddRange(Enumerable.Repeat(firstLine, objects.Count - before));
        }

        return new ParsedManifest(objects, errors) { Lines = lines, Warnings = warnings };
    }

    private static void ParseDocument(string file, string document, int firstLine, bool validateRoutes, List<object> objects, List<ManifestError> errors,
        List<ManifestError> warnings)
    {
        var name = "document at line " + firstLine;
        if (YamlPrecheck.Check(document) is { } syntax)
        {
            errors.Add(new ManifestError(file, name, YamlFieldPath.At(document, syntax.Line), firstLine + Math.Max(syntax.Line, 1) - 1, syntax.Problem));
            return;
        }

        Type? model = null;
        try
        {
            var header = ReadHeader(document);
            if (header is null)
            {
                warnings.Add(new ManifestError(file, name, null, firstLine, "not a Kubernetes object (no apiVersion/kind mapping); ignored"));
                return;
            }

            if (string.IsNullOrEmpty(header.Kind) || string.IsNullOrEmpty(header.ApiVersion))
            {
                warnings.Add(new ManifestError(file, name, string.IsNullOrEmpty(header.ApiVersion) ? "apiVersion" : "kind", firstLine,
                    "missing; the document is ignored"));
                return;
            }

            name = $"{header.Kind} {header.Namespace ?? "default"}/{header.Name ?? "(unnamed)"}";
            if (!Kinds.TryGetValue($"{header.ApiVersion}/{header.Kind}", out model))
            {
                // A Deployment next to its Service is fine, but a typo ("WebSocketRout", "sockway.io/v2") must not pass unseen.
                warnings.Add(new ManifestError(file, name, "kind", firstLine + (YamlFieldPath.LineOf(document, "kind") ?? 1) - 1,
                    $"{header.ApiVersion} {header.Kind} is not a kind Sockway reads ({KnownKinds}); ignored"));
                return;
            }

            var item = Loaders[model](document);
            if (item is not null && Check(item, file, name, document, firstLine, validateRoutes, errors))
            {
                objects.Add(item);
            }
        }
        catch (YamlException ex)
        {
            var line = (int)ex.Start.Line;
            var field = YamlFieldPath.At(document, line, (int)ex.Start.Column);
            errors.Add(new ManifestError(file, name, field, firstLine + Math.Max(line, 1) - 1, Describe(ex, model, field, document)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever the loader throws for whatever input, it is this document's problem, never the process's.
            errors.Add(new ManifestError(file, name, null, firstLine, "could not be read: " + ex.Message));
        }
    }

    // The loader's words are about .NET types; the user's are about YAML: "expected a list of strings, found 'a.test'".
    private static string Describe(YamlException ex, Type? model, string? field, string document)
    {
        var problem = ex.InnerException?.Message ?? ex.Message;
        var unknown = UnknownProperty().Match(problem);
        if (unknown.Success)
        {
            return $"unknown field '{unknown.Groups["name"].Value}' (a typo, or a field of another kind or version?)";
        }

        var expected = (model is null ? null : TypeWords.ForField(model, field)) ?? TypeWords.Expected(problem) ?? TypeWords.Expected(ex.Message);
        return expected is null ? problem : $"expected {expected}, found {Found(document, (int)ex.Start.Line, (int)ex.Start.Column)}";
    }

    private static string Found(string document, int line, int column)
    {
        var lines = document.Split('\n');
        if (line < 1 || line > lines.Length)
        {
            return "a value of another type";
        }

        var text = lines[line - 1];
        var start = Math.Clamp(column - 1, 0, text.Length);
        var value = text[start..].Trim();
        if (value.Length > 0 && value[0] is not ('[' or '{'))
        {
            var end = value.IndexOfAny([',', '}', ']']);
            value = end > 0 ? value[..end] : value;
        }

        value = value.Trim().TrimStart('-', ' ');
        return value.Length == 0 ? "a nested block" : $"'{(value.Length > 60 ? value[..60] + "…" : value)}'";
    }

    [System.Text.RegularExpressions.GeneratedRegex("Property '(?<name>[^']+)' not found on type")]
    private static partial System.Text.RegularExpressions.Regex UnknownProperty();

    private static Header? ReadHeader(string document)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(document));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlDotNet.RepresentationModel.YamlMappingNode root)
        {
            return null;
        }

        string? Scalar(YamlDotNet.RepresentationModel.YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode(key), out var value) && value is YamlDotNet.RepresentationModel.YamlScalarNode scalar
                ? scalar.Value
                : null;

        var metadata = root.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("metadata"), out var m) ? m as YamlDotNet.RepresentationModel.YamlMappingNode : null;
        return new Header(Scalar(root, "apiVersion"), Scalar(root, "kind"), metadata is null ? null : Scalar(metadata, "namespace"), metadata is null ? null : Scalar(metadata, "name"));
    }

    private sealed record Header(string? ApiVersion, string? Kind, string? Namespace, string? Name);

    private static bool Check(object item, string file, string name, string document, int firstLine, bool validateRoutes, List<ManifestError> errors)
    {
        if (item is IKubernetesObject<V1ObjectMeta> named && string.IsNullOrEmpty(named.Metadata?.Name))
        {
            errors.Add(new ManifestError(file, name, "metadata.name", firstLine + (YamlFieldPath.LineOf(document, "metadata.name") ?? 1) - 1, "required"));
            return false;
        }

        var problems = new List<string>();
        if (item is IKubernetesObject<V1ObjectMeta> { Metadata: var metadata })
        {
            // What the API server checks of every object's name and namespace.
            if (metadata.Name.Length > 253 || !ObjectName().IsMatch(metadata.Name))
            {
                problems.Add($"metadata.name: '{metadata.Name}' is not a valid object name (lower-case letters, digits, '-' and '.')");
            }

            if (metadata.NamespaceProperty is { } ns && (ns.Length > 63 || !NamespaceName().IsMatch(ns)))
            {
                problems.Add($"metadata.namespace: '{ns}' is not a valid namespace name (lower-case letters, digits and '-')");
            }
        }

        switch (item)
        {
            case WebSocketRoute route when validateRoutes:
                RouteValidator.Validate(route, new RouteKey("-", route.Metadata.Name), problems);
                break;
            case WebSocketPolicy policy when validateRoutes:
                RouteValidator.ValidateSettings(policy.Spec?.Balancing, policy.Spec?.Timeouts, policy.Spec?.Limits, policy.Spec?.AllowedOrigins, policy.Spec?.Keepalive, problems);
                break;
            case V1EndpointSlice slice:
                problems.AddRange(EndpointSliceValidator.Validate(slice));
                break;
            case V1Service service:
                var ports = service.Spec?.Ports ?? [];
                for (var i = 0; i < ports.Count; i++)
                {
                    if (ports[i] is null)
                    {
                        problems.Add($"spec.ports[{i}]: empty; expected a port (name, port)");
                    }
                    else if (!EndpointSliceValidator.IsPort(ports[i].Port))
                    {
                        problems.Add($"spec.ports[{i}].port: {ports[i].Port} is outside 1-65535");
                    }
                }

                break;
        }

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

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial System.Text.RegularExpressions.Regex ObjectName();

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex NamespaceName();
}
