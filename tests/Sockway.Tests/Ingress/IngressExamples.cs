using System.Net;
using System.Net.WebSockets;
using k8s.Models;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation.Ingresses;
using Sockway.Controller.Translation.Routes;
using Sockway.Testing;

namespace Sockway.Tests.Ingress;

/// <summary>
/// The ingress-nginx examples as a user has them, the backends they name (one real backend per Service), and the
/// requests a user would notice the routing of: each path, below it, beside it, and a host nobody routes.
/// </summary>
internal static class IngressExamples
{
    public static readonly string Folder = Path.Combine(RepositoryPaths.Root, "examples", "ingress-nginx");

    public static IEnumerable<string> Files() => Directory.GetFiles(Folder, "*.yaml")
        .Select(Path.GetFileName).OfType<string>().Where(f => f != "ingressclass.yaml").Order(StringComparer.Ordinal);

    public static string Read(string file) => File.ReadAllText(Path.Combine(Folder, file));

    public static IReadOnlyList<RouteIntent> Intents(string yaml)
    {
        var parsed = ManifestParser.Parse("example.yaml", yaml);
        if (parsed.Errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", parsed.Errors));
        }

        return parsed.Objects.OfType<V1Ingress>().SelectMany(i => IngressFrontEnd.ReadOne(i).Intents).ToList();
    }

    /// <summary>The Services the Ingress sends to, in a stable order: service i is served by backend-i.</summary>
    public static List<BackendTarget> Services(IReadOnlyList<RouteIntent> intents) =>
        intents.SelectMany(i => i.Backends).DistinctBy(b => b.ServiceName).OrderBy(b => b.ServiceName, StringComparer.Ordinal).ToList();

    /// <summary>Service and EndpointSlice manifests routing each Service's port (number or name) to its backend.</summary>
    public static string BackendManifests(IReadOnlyList<BackendTarget> services, IReadOnlyList<TestBackend> backends)
    {
        var documents = new List<string>();
        for (var i = 0; i < services.Count; i++)
        {
            var port = services[i].Port.Value;
            var (name, number) = int.TryParse(port, out var n) ? ("p", n) : (port, 80);
            documents.Add(Manifests.Service(services[i].ServiceName, portName: name, port: number) + Manifests.Slices(services[i].ServiceName, [backends[i].Port], portName: name));
        }

        return Manifests.Join([.. documents]);
    }

    public static IEnumerable<(string Host, string Path)> Probes(IReadOnlyList<RouteIntent> intents)
    {
        foreach (var intent in intents)
        {
            var host = intent.Hosts.Count == 0 ? "any.example.com" : intent.Hosts[0].Replace("*", "w", StringComparison.Ordinal);
            yield return (host, intent.Path);
            yield return (host, intent.Path.TrimEnd('/') + "/deeper");
            yield return (host, intent.Path == "/" ? "/" : intent.Path + "-sibling");
        }

        yield return ("nobody.example.com", "/nothing-here");
    }

    /// <summary>What a WebSocket client sees: the backend that answered "whoami", or the HTTP status it was refused with.</summary>
    public static async Task<string> WebSocketAsync(SockwayHost sockway, string host, string path)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Host", host);
        socket.Options.SetRequestHeader("X-Tenant-Id", "tenant-1");
        socket.Options.SetRequestHeader("Cookie", "game-route=g1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            // No redirect following: a 308 to https:// is what the client is shown.
            using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { AllowAutoRedirect = false });
            await socket.ConnectAsync(sockway.WebSocketUri(path + "?room=r1"), invoker, timeout.Token);
        }
        catch (WebSocketException)
        {
            var location = socket.HttpResponseHeaders?.TryGetValue("Location", out var l) == true ? " " + string.Join(",", l) : string.Empty;
            return $"{(int)socket.HttpStatusCode}{location}";
        }

        var who = await socket.WhoAmIAsync();
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        return who;
    }

    /// <summary>A plain POST with a 1.5 MiB body: whether the route's body limit (proxy-body-size) lets it through.</summary>
    public static async Task<string> UploadAsync(SockwayHost sockway, string host, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = sockway.HttpUri, Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(new byte[3 << 19]) };
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>What a plain HTTP client sees: status, and the backend's name or the redirect target.</summary>
    public static async Task<string> PlainAsync(SockwayHost sockway, string host, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = sockway.HttpUri, Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        var body = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : response.Headers.Location?.ToString() ?? string.Empty;
        return $"{(int)response.StatusCode} {body}".TrimEnd();
    }
}
