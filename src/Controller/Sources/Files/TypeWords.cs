using System.Text.RegularExpressions;

namespace Sockway.Controller.Sources.Files;

/// <summary>
/// Rewrites a deserializer's complaint about a value of the wrong type ("Invalid cast from 'System.String' to
/// 'System.Collections.Generic.IList`1[[System.String, …") into words a manifest author knows: "a list of strings".
/// </summary>
internal static partial class TypeWords
{
    /// <summary>What a field of a model expects ("spec.hosts" of WebSocketRoute: "a list of strings"), or null if unknown.</summary>
    public static string? ForField(Type model, string? fieldPath)
    {
        if (fieldPath is null)
        {
            return null;
        }

        var type = model;
        foreach (var segment in fieldPath.Split('.'))
        {
            var name = segment.Split('[')[0];
            type = ElementOf(type);
            var property = type.GetProperties().FirstOrDefault(p =>
                (p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), true).FirstOrDefault() as System.Text.Json.Serialization.JsonPropertyNameAttribute)?.Name == name);
            if (property is null)
            {
                return null;
            }

            // "hosts[0]" is an item of the list "hosts".
            type = segment.Contains('[') ? ElementOf(property.PropertyType) : property.PropertyType;
        }

        return Describe(type.ToString());
    }

    // Inside a list, fields belong to its items.
    private static Type ElementOf(Type type)
    {
        var list = type.IsGenericType && type.GetGenericArguments().Length == 1 && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) && type != typeof(string);
        return list ? type.GetGenericArguments()[0] : type;
    }

    public static string? Expected(string message)
    {
        var match = TargetType().Match(message);
        if (!match.Success)
        {
            return message.Contains("Expected 'SequenceStart'", StringComparison.Ordinal) ? "a list"
                : message.Contains("Expected 'MappingStart'", StringComparison.Ordinal) ? "a mapping of fields (key: value)"
                : message.Contains("Expected 'Scalar'", StringComparison.Ordinal) ? "a single value, not a list or mapping"
                : null;
        }

        return Describe(match.Groups["type"].Value);
    }

    private static string Describe(string type)
    {
        var element = Element().Match(type);
        var name = type.Split('[')[0];
        if (name.Contains("Dictionary", StringComparison.Ordinal))
        {
            return "a mapping of strings to strings (key: value)";
        }

        if (name.Contains("List", StringComparison.Ordinal) || name.Contains("IEnumerable", StringComparison.Ordinal) || name.EndsWith("[]", StringComparison.Ordinal))
        {
            return element.Success ? "a list of " + Plural(element.Groups["type"].Value) : "a list";
        }

        if (name.StartsWith("System.Nullable", StringComparison.Ordinal) && element.Success)
        {
            return Describe(element.Groups["type"].Value);
        }

        return Singular(type);
    }

    private static string Singular(string type) => type switch
    {
        _ when type.StartsWith("System.String", StringComparison.Ordinal) => "a string",
        _ when type.StartsWith("System.Int", StringComparison.Ordinal) || type.StartsWith("System.UInt", StringComparison.Ordinal) => "a whole number",
        _ when type.StartsWith("System.Boolean", StringComparison.Ordinal) => "true or false",
        _ when type.StartsWith("System.Double", StringComparison.Ordinal) || type.StartsWith("System.Decimal", StringComparison.Ordinal) => "a number",
        _ when type.StartsWith("System.DateTime", StringComparison.Ordinal) => "a timestamp (RFC 3339)",
        _ when type.StartsWith("System.Byte[]", StringComparison.Ordinal) => "base64 text",
        _ when type.Contains("IntOrString", StringComparison.Ordinal) => "a port number or name",
        _ => "a mapping of fields (key: value)",
    };

    private static string Plural(string type) => Singular(type) switch
    {
        "a string" => "strings",
        "a whole number" => "whole numbers",
        "true or false" => "true/false values",
        "a port number or name" => "port numbers or names",
        _ => "mappings (key: value)",
    };

    [GeneratedRegex("to (type )?'(?<type>[^']+)'")]
    private static partial Regex TargetType();

    [GeneratedRegex("\\[\\[?(?<type>[^,\\]\\[]+)")]
    private static partial Regex Element();
}
