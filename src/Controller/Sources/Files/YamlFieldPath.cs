namespace Sockway.Controller.Sources.Files;

/// <summary>
/// Names the field at a line of a YAML document ("spec.timeouts.idle") by walking up the indentation, so an
/// error can point at the field and not only at a line number.
/// </summary>
internal static class YamlFieldPath
{
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

            var lineIndent = text.Length - trimmed.Length;
            var isItem = trimmed.StartsWith("- ", StringComparison.Ordinal);
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

            var indent = text.Length - trimmed.Length;
            var keyText = trimmed.StartsWith("- ", StringComparison.Ordinal) ? trimmed[2..] : trimmed;
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
