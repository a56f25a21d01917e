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
}
