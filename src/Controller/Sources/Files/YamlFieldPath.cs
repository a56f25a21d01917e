namespace Sockway.Controller.Sources.Files;

/// <summary>
/// Names the field at a line of a YAML document ("spec.timeouts.idle") by walking up the indentation, so an
/// error can point at the field and not only at a line number.
/// </summary>
internal static class YamlFieldPath
{
    /// <summary>The field at a line and (1-based) column: inside a flow mapping ("metadata: {name: [x]}"), the key before the column.</summary>
    public static string? At(string document, int line, int column)
    {
        var path = At(document, line);
        var lines = document.Split('\n');
        if (path is null || line < 1 || line > lines.Length)
        {
            return path;
        }

        return path + FlowPathBefore(lines[line - 1], column - 1);
    }

    // The flow collections still open at a position of a line: "metadata: {name: [a, x" at the 'x' gives "name[1]".
    private static string FlowPathBefore(string text, int position)
    {
        var open = new List<(bool Mapping, string Key, int Index)>();
        var token = new System.Text.StringBuilder();
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        for (var i = colon < 0 ? 0 : colon + 1; i < Math.Min(position, text.Length); i++)
        {
            var c = text[i];
            switch (c)
            {
                case '{' or '[':
                    open.Add((c == '{', string.Empty, 0));
                    token.Clear();
                    break;
                case '}' or ']':
                    if (open.Count > 0)
                    {
                        open.RemoveAt(open.Count - 1);
                    }

                    token.Clear();
                    break;
                case ',':
                    if (open.Count > 0 && !open[^1].Mapping)
                    {
                        open[^1] = open[^1] with { Index = open[^1].Index + 1 };
                    }

                    token.Clear();
                    break;
                case ':' when open.Count > 0 && open[^1].Mapping:
                    open[^1] = open[^1] with { Key = token.ToString().Trim().Trim('"', '\'') };
                    token.Clear();
                    break;
                default:
                    token.Append(c);
                    break;
            }
        }

        var path = new System.Text.StringBuilder();
        foreach (var (mapping, key, index) in open)
        {
            if (!mapping)
            {
                path.Append('[').Append(index).Append(']');
            }
            else if (key.Length > 0)
            {
                path.Append('.').Append(key);
            }
        }

        return path.ToString();
    }

    public static string? At(string document, int line)
    {
        var lines = document.Split('\n');
        if (line < 1 || line > lines.Length)
        {
            return null;
        }

        var path = new List<string>();
        var indent = int.MaxValue;
        for (var i = line - 1; i >= 0 && indent > 0; i--)
        {
            var text = lines[i].TrimEnd('\r');
            var trimmed = text.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var isItem = trimmed.StartsWith("- ", StringComparison.Ordinal);
            // The key of "- key: value" sits two columns right of the dash, level with the item's other keys.
            var lineIndent = text.Length - trimmed.Length + (isItem ? 2 : 0);
            var keyText = isItem ? trimmed[2..] : trimmed;
            var colon = keyText.IndexOf(':');
            if (lineIndent >= indent || colon <= 0)
            {
                continue;
            }

            path.Insert(0, keyText[..colon].Trim().Trim('"', '\''));
            indent = lineIndent;
        }

        return path.Count == 0 ? null : string.Join('.', path);
    }

    /// <summary>
    /// The 1-based line where a dotted field path ("spec.timeouts.idle", list indexes ignored) is written, or the line of
    /// its deepest written ancestor (a flow mapping like "timeouts: {idle: soon}" keeps its children on one line).
    /// </summary>
    public static int? LineOf(string document, string fieldPath)
    {
        var wanted = fieldPath.Split('.').Select(p => p.Split('[')[0]).ToArray();
        var lines = document.Split('\n');
        var stack = new List<(int Indent, string Key)>();
        int? best = null;
        var bestDepth = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].TrimEnd('\r');
            var trimmed = text.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var isItem = trimmed.StartsWith("- ", StringComparison.Ordinal);
            var indent = text.Length - trimmed.Length + (isItem ? 2 : 0);
            var keyText = isItem ? trimmed[2..] : trimmed;
            var colon = keyText.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            stack.RemoveAll(entry => entry.Indent >= indent);
            stack.Add((indent, keyText[..colon].Trim().Trim('"', '\'')));
            var depth = MatchedDepth(stack, wanted);
            if (depth > bestDepth)
            {
                best = i + 1;
                bestDepth = depth;
            }
        }

        return best;
    }

    private static int MatchedDepth(List<(int Indent, string Key)> stack, string[] wanted)
    {
        if (stack.Count > wanted.Length)
        {
            return 0;
        }

        for (var i = 0; i < stack.Count; i++)
        {
            if (stack[i].Key != wanted[i])
            {
                return 0;
            }
        }

        return stack.Count;
    }
}
