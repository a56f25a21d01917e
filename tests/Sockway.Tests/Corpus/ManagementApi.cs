using System.Text.Json;
using Sockway.Testing;

namespace Sockway.Tests.Corpus;

/// <summary>What /api/routes shows a user of a standalone Sockway: route conditions and manifest problems.</summary>
internal sealed record RouteReport(List<string> Errors, List<string> Warnings, string? SourceProblem, JsonElement Routes)
{
    public static async Task<RouteReport> ReadAsync(SockwayHost sockway)
    {
        using var http = new HttpClient();
        var root = JsonDocument.Parse(await http.GetStringAsync(new Uri(sockway.ManagementUri, "/api/routes"))).RootElement;
        return new RouteReport(
            root.GetProperty("manifestErrors").EnumerateArray().Select(e => e.GetString()!).ToList(),
            root.GetProperty("manifestWarnings").EnumerateArray().Select(e => e.GetString()!).ToList(),
            root.GetProperty("sourceProblem").GetString(),
            root.GetProperty("routes"));
    }

    /// <summary>"Type=Status Reason: message" of a route's condition, or null.</summary>
    public string? Condition(string route, string type) =>
        Routes.EnumerateArray()
            .Where(r => $"{r.GetProperty("namespace").GetString()}/{r.GetProperty("name").GetString()}" == route)
            .SelectMany(r => r.GetProperty("conditions").EnumerateArray())
            .Where(c => c.GetProperty("type").GetString() == type)
            .Select(c => $"{type}={c.GetProperty("status").GetString()} {c.GetProperty("reason").GetString()}: {c.GetProperty("message").GetString()}")
            .FirstOrDefault();
}
