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
    /// <summary>Nodes a document may expand to through aliases (a real manifest has hundreds).</summary>
    public const long MaxExpandedNodes = 10_000;
    public const int MaxDepth = 64;

    public static (int Line, string Problem)? Check(string document)
    {
        var parser = new Parser(new StringReader(document));
        var keys = new Stack<(HashSet<string>? Seen, bool ExpectKey)>();
        // Expanded node count, and the expanded size of each anchored node (an alias to it costs that much again).
        long nodes = 0;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long StartNodes)>();
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                var line = (int)current.Start.Line;
                nodes += current switch
                {
                    AnchorAlias alias => sizes.GetValueOrDefault(alias.Value.Value, 1),
                    Scalar or MappingStart or SequenceStart => 1,
                    _ => 0,
                };
                if (nodes > MaxExpandedNodes)
                {
                    return (line, $"expands to more than {MaxExpandedNodes} nodes through YAML aliases (*name); refused, as a document built to exhaust memory would be");
                }

                if (current is Scalar { Anchor.IsEmpty: false } anchoredScalar)
                {
                    sizes[anchoredScalar.Anchor.Value] = 1;
                }

                if (current is MappingEnd or SequenceEnd)
                {
                    var (anchor, startNodes) = open.Pop();
                    if (anchor is not null)
                    {
                        sizes[anchor] = nodes - startNodes + 1;
                    }

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
                    var anchorName = (current as NodeEvent)!.Anchor;
                    open.Push((anchorName.IsEmpty ? null : anchorName.Value, nodes));
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
            return ((int)(parser.Current?.Start.Line ?? 1), "not valid YAML: " + Unclosed(document));
        }

        return null;
    }

    // YamlDotNet's own message here ("Operation is not valid due to the current state of the object") helps nobody.
    private static string Unclosed(string document)
    {
        var braces = document.Count(c => c == '{') - document.Count(c => c == '}');
        var brackets = document.Count(c => c == '[') - document.Count(c => c == ']');
        return braces > 0 ? "a '{' flow mapping is not closed with '}'"
            : brackets > 0 ? "a '[' flow list is not closed with ']'"
            : "the document ends inside an unfinished value (an unclosed '{', '[' or quote?)";
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
