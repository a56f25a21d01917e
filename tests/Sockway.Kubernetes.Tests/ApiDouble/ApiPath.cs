namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>A parsed API URL: /api/v1/... or /apis/{group}/{version}/..., then [namespaces/{ns}/]{plural}[/{name}[/{subresource}]].</summary>
public sealed record ApiPath(string Group, string Version, string? Namespace, string Plural, string? Name, string? Subresource)
{
    public static bool TryParse(string path, out ApiPath parsed)
    {
        parsed = null!;
        var parts = path.Trim('/').Split('/');
        int rest;
        string group;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            (group, rest) = (string.Empty, 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, rest) = (parts[1], 3);
        }
        else
        {
            return false;
        }

        var version = parts[rest - 1];
        string? ns = null;
        if (parts.Length > rest + 2 && parts[rest] == "namespaces")
        {
            ns = parts[rest + 1];
            rest += 2;
        }

        var tail = parts[rest..];
        if (tail.Length is < 1 or > 3)
        {
            return false;
        }

        parsed = new ApiPath(group, version, ns, tail[0], tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null);
        return true;
    }
}
