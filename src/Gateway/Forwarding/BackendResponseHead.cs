using System.Globalization;

namespace Sockway.Gateway.Forwarding;

/// <summary>Status line and header fields of a backend's HTTP/1.1 response.</summary>
internal sealed class BackendResponseHead
{
    private BackendResponseHead(int statusCode, string reason, List<KeyValuePair<string, string>> headers)
    {
        StatusCode = statusCode;
        ReasonPhrase = reason;
        Headers = headers;
    }

    public int StatusCode { get; }

    public string ReasonPhrase { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public bool IsChunked => Headers.Any(h => IsNamed(h, "Transfer-Encoding") && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));

    public long? ContentLength =>
        Headers.FirstOrDefault(h => IsNamed(h, "Content-Length")) is { Value: { } value }
        && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;

    /// <summary>Parses a head without its final empty line; anything that is not HTTP/1.x is refused.</summary>
    public static BackendResponseHead Parse(string head)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || status[1].Length != 3
            || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 100)
        {
            throw Malformed($"status line '{Truncate(lines[0])}'");
        }

        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':');
            // Obsolete line folding (a line starting with white space) is refused as RFC 9112 §5.2 allows.
            if (colon <= 0 || line[0] is ' ' or '\t' || line.AsSpan(0, colon).ContainsAny(' ', '\t'))
            {
                // The line itself is not quoted: header values can be secrets (cookies, tokens).
                throw Malformed($"header line {i}");
            }

            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        return new BackendResponseHead(code, status.Length == 3 ? status[2] : string.Empty, headers);
    }

    private static bool IsNamed(KeyValuePair<string, string> header, string name) => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static HttpRequestException Malformed(string what) =>
        new(HttpRequestError.InvalidResponse, $"The backend sent a malformed response: {what}.");
}
