using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sockway.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Sockway.Tests.Deploy;

/// <summary>
/// The chart README's values table against values.yaml: every key documented with its type and default, no row for
/// a key that does not exist. A row may document a whole object (resources, podSecurityContext) as one value.
/// </summary>
public sealed partial class ChartReadmeTests
{
    [Fact]
    public void Values_table_lists_every_key_of_values_yaml_with_its_default()
    {
        var values = Values();
        var rows = ChartValues.Rows(File.ReadAllText(Path.Combine(HelmChart.Directory, "README.md")));
        Assert.NotEmpty(rows);

        var problems = new List<string>();
        foreach (var (key, type, defaultJson) in rows)
        {
            if (!ChartValues.TryGet(values, key, out var node))
            {
                problems.Add($"README documents `{key}`, which values.yaml does not have");
                continue;
            }

            if (!JsonNode.DeepEquals(node, JsonNode.Parse(defaultJson)))
            {
                problems.Add($"`{key}`: README says the default is {defaultJson}, values.yaml has {node?.ToJsonString() ?? "null"}");
            }

            if (ChartValues.TypeName(node) != type)
            {
                problems.Add($"`{key}`: README says {type}, values.yaml has a {ChartValues.TypeName(node)}");
            }
        }

        var documented = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, _) in ChartValues.Leaves(values))
        {
            if (!documented.Contains(key) && !documented.Any(d => key.StartsWith(d + ".", StringComparison.Ordinal)))
            {
                problems.Add($"values.yaml has `{key}`, which the README's values table does not document");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Values_table_check_notices_a_missing_key_and_a_wrong_default()
    {
        var rows = ChartValues.Rows("| Key | Type | Default | Description |\n| --- | --- | --- | --- |\n| `replicaCount` | int | `3` | x |\n");
        var values = Values();
        Assert.True(ChartValues.TryGet(values, rows.Single().Key, out var node));
        Assert.False(JsonNode.DeepEquals(node, JsonNode.Parse(rows.Single().DefaultJson)));
        Assert.Contains(ChartValues.Leaves(values), l => l.Key == "image.repository");
    }

    private static JsonObject Values() => ChartValues.Load(Path.Combine(HelmChart.Directory, "values.yaml"));
}

/// <summary>values.yaml as JSON (the types helm sees), its leaf keys, and the README's values table.</summary>
internal static partial class ChartValues
{
    public static JsonObject Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return (JsonObject)ToJson(stream.Documents[0].RootNode)!;
    }

    /// <summary>Scalars, lists and empty objects, with their dotted keys.</summary>
    public static IEnumerable<(string Key, JsonNode? Value)> Leaves(JsonObject values, string prefix = "")
    {
        foreach (var (name, value) in values)
        {
            var key = prefix + name;
            if (value is JsonObject { Count: > 0 } child)
            {
                foreach (var leaf in Leaves(child, key + "."))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (key, value);
            }
        }
    }

    public static bool TryGet(JsonObject values, string key, out JsonNode? node)
    {
        node = values;
        foreach (var part in key.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                return false;
            }
        }

        return true;
    }

    public static List<(string Key, string Type, string DefaultJson)> Rows(string readme) =>
        Row().Matches(readme).Select(m => (m.Groups["key"].Value, m.Groups["type"].Value, m.Groups["default"].Value)).ToList();

    public static string TypeName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "list",
        JsonValue v when v.TryGetValue<bool>(out _) => "bool",
        JsonValue v when v.TryGetValue<long>(out _) => "int",
        JsonValue v when v.TryGetValue<double>(out _) => "number",
        _ => "string",
    };

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"unexpected YAML node {node.NodeType}"),
    };

    // YAML 1.2 core schema, as helm reads values: plain null/true/false/numbers are typed, quoted scalars are strings.
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(text, out var n) => JsonValue.Create(n),
            _ when double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex(@"^\| `(?<key>[A-Za-z0-9.]+)` \| (?<type>\w+) \| `(?<default>[^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
