namespace Sockway.Gateway.Handshake;

/// <summary>
/// Matches an Origin header against a route's allowed origins: exact ("https://app.example.com"),
/// any ("*"), or a wildcard host ("https://*.example.com", one or more labels deep).
/// </summary>
internal static class OriginMatcher
{
    public static bool IsAllowed(IReadOnlyList<string> allowed, string? origin)
    {
        if (allowed.Count == 0)
        {
            return true;
        }

        if (string.IsNullOrEmpty(origin))
        {
            // Browsers always send Origin; the allow-list stops cross-site WebSocket hijacking by them.
            // A client without one is not a browser and could forge any value, so refusing it protects nothing.
            return true;
        }

        foreach (var pattern in allowed)
        {
            if (pattern == "*" || string.Equals(pattern, origin, StringComparison.OrdinalIgnoreCase) || MatchesWildcard(pattern, origin))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchesWildcard(string pattern, string origin)
    {
        var star = pattern.IndexOf("://*.", StringComparison.Ordinal);
        if (star < 0)
        {
            return false;
        }

        var scheme = pattern[..(star + 3)];
        var suffix = pattern[(star + 4)..];
        return origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && origin.Length > scheme.Length + suffix.Length
            && origin.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }
}
