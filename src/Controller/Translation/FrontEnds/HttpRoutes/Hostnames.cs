namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>Gateway API hostname intersection of a route's hostnames with a listener's hostname.</summary>
internal static class Hostnames
{
    /// <summary>
    /// The host names a route serves through a listener: null means any host; empty means none intersect (the
    /// route does not attach there). A wildcard on one side and a name under it on the other give the narrower one.
    /// </summary>
    public static IReadOnlyList<string>? Intersect(IReadOnlyList<string> routeHosts, string? listenerHost)
    {
        if (string.IsNullOrEmpty(listenerHost))
        {
            return routeHosts.Count == 0 ? null : routeHosts;
        }

        if (routeHosts.Count == 0)
        {
            return [listenerHost];
        }

        var result = new List<string>();
        foreach (var host in routeHosts)
        {
            if (string.Equals(host, listenerHost, StringComparison.OrdinalIgnoreCase) || Covers(listenerHost, host))
            {
                result.Add(host);
            }
            else if (Covers(host, listenerHost))
            {
                result.Add(listenerHost);
            }
        }

        return result.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    // "*.example.com" covers "a.example.com" and "*.a.example.com", never "example.com".
    private static bool Covers(string wildcard, string host) =>
        wildcard.StartsWith("*.", StringComparison.Ordinal)
        && host.Length > wildcard.Length - 1
        && host.EndsWith(wildcard[1..], StringComparison.OrdinalIgnoreCase);
}
