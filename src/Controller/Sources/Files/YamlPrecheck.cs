using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Sockway.Controller.Sources.Files;

/// <summary>
/// One pass over a document's YAML events before anything is deserialized: finds syntax errors (with their line),
/// duplicate keys (the API server's strict decoding rejects them) and documents built to exhaust memory (alias bombs,
/// absurd nesting). Returns null when the document is safe to deserialize.
/// </summary>
internal static class YamlPrecheck
{
    public const int MaxAliases = 100;
    public const int MaxDepth = 64;

    public static (int Line, string Problem)? Check(string document)
    {
        var parser = new Parser(new StringReader(document));
        var keys = new Stack<(HashSet<string>? Seen, bool ExpectKey)>();
        var aliases = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                var line = (int)current.Start.Line;
                if (current is AnchorAlias && ++aliases > MaxAliases)
                {
                    return (line, $"more than {MaxAliases} YAML aliases (*name); refused, as a document built to expand without bound would be");
                }

                if (current is MappingEnd or SequenceEnd)
                {
                    keys.Pop();
                    Advance(keys);
                    continue;
                }

                if (keys.TryPeek(out var top) && top.Seen is not null && top.ExpectKey && current is Scalar key && !top.Seen.Add(key.Value))
                {
                    return (line, $"key '{key.Value}' appears twice in the same mapping");
                }

                if (current is MappingStart or SequenceStart)
                {
                    if (keys.Count >= MaxDepth)
                    {
                        return (line, $"nested deeper than {MaxDepth} levels");
                    }

                    keys.Push((current is MappingStart ? new HashSet<string>(StringComparer.Ordinal) : null, true));
                    continue;
                }

                if (current is Scalar or AnchorAlias)
                {
                    Advance(keys);
                }
            }
        }
        catch (YamlException ex)
        {
            return ((int)ex.Start.Line, ex.InnerException?.Message ?? ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these for some malformed input (an unclosed flow mapping, say).
            return ((int)(parser.Current?.Start.Line ?? 1), "not valid YAML: " + ex.Message);
        }

        return null;
    }

    // A finished value (scalar or collection) inside a mapping flips it between expecting a key and a value.
    private static void Advance(Stack<(HashSet<string>? Seen, bool ExpectKey)> keys)
    {
        if (keys.TryPop(out var top))
        {
            keys.Push(top.Seen is null ? top : (top.Seen, !top.ExpectKey));
        }
    }
}
