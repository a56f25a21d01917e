using System.Globalization;
using Sockway.Gateway.Handshake;

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

    /// <summary>The body length the backend declared; null when it declared none (validated by <see cref="Parse"/>).</summary>
    public long? ContentLength { get; private init; }

    /// <summary>
    /// Parses a head without its final empty line. Anything that is not HTTP/1.0 or 1.1 with a 3-digit status, header
    /// names that are not tokens, control characters in values, and conflicting or malformed Content-Length are
    /// refused with <see cref="HttpRequestException"/> (<see cref="HttpRequestError.InvalidResponse"/>), the only
    /// exception this throws: those headers go on to the client, and a smuggled length could desynchronise it.
    /// </summary>
    public static BackendResponseHead Parse(string head)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || status[0] is not ("HTTP/1.1" or "HTTP/1.0") || status[1].Length != 3
            || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 599
            || (status.Length == 3 && HttpSyntax.HasControl(status[2])))
        {
            throw Malformed($"status line '{Truncate(lines[0])}'");
        }

        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':');
            // Obsolete line folding (a line starting with white space) is refused as RFC 9112 §5.2 allows.
            if (colon <= 0 || !HttpSyntax.IsToken(line.AsSpan(0, colon)) || HttpSyntax.HasControl(line.AsSpan(colon + 1)))
            {
                // The line itself is not quoted: header values can be secrets (cookies, tokens).
                throw Malformed($"header line {i}");
            }

            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        return new BackendResponseHead(code, status.Length == 3 ? status[2] : string.Empty, headers) { ContentLength = ReadContentLength(headers) };
    }

    // RFC 9112 §6.3: several Content-Length values are an error unless they agree.
    private static long? ReadContentLength(List<KeyValuePair<string, string>> headers)
    {
        long? length = null;
        foreach (var header in headers)
        {
            if (!IsNamed(header, "Content-Length"))
            {
                continue;
            }

            foreach (var part in header.Value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || (length is { } seen && seen != value))
                {
                    throw Malformed("Content-Length");
                }

                length = value;
            }
        }

        return length;
    }

    private static bool IsNamed(KeyValuePair<string, string> header, string name) => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static HttpRequestException Malformed(string what) =>
        new(HttpRequestError.InvalidResponse, $"The backend sent a malformed response: {what}.");
}
