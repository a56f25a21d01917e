using System.Text.Json.Nodes;

namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>Equality field and label selectors ("a=b,c=d"), the subset the controller uses.</summary>
public static class Selectors
{
    public static Func<JsonObject, bool> Parse(string? fieldSelector, string? labelSelector)
    {
        var fields = Pairs(fieldSelector);
        var labels = Pairs(labelSelector);
        return obj => fields.All(f => FieldValue(obj, f.Key) == f.Value)
            && labels.All(l => obj["metadata"]?["labels"]?[l.Key]?.GetValue<string>() == l.Value);
    }

    private static string? FieldValue(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return node?.GetValue<string>();
    }

    private static List<KeyValuePair<string, string>> Pairs(string? selector) =>
        (selector ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0].TrimEnd('='), p[1].TrimStart('=')))
            .ToList();
}
