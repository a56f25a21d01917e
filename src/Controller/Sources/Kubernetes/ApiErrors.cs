using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using k8s.Autorest;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>
/// Says what an API error means for the user: which call (verb, resource, namespace) failed, the server's own words,
/// and what to check — a bare "HTTP 403 Forbidden" leaves them guessing.
/// </summary>
public static class ApiErrors
{
    public static string Describe(Exception ex, string verb, ResourceType resource, string? @namespace)
    {
        var call = $"{verb} {resource} in {(@namespace is null ? "all namespaces" : "namespace " + @namespace)}";
        var (code, serverMessage) = Answer(ex);
        if (code is null)
        {
            return IsUnreachable(ex)
                ? $"{call}: the API server cannot be reached ({Innermost(ex).Message}); retrying"
                : $"{call} failed: {Flatten(ex)}";
        }

        var hint = code switch
        {
            401 => "the credentials were rejected: is the token expired, or the kubeconfig for another cluster?",
            403 => $"RBAC: this identity may not {verb} {resource.Plural}{(resource.Group.Length > 0 ? "." + resource.Group : string.Empty)} " +
                $"{(@namespace is null ? "cluster-wide" : "in namespace " + @namespace)}; grant it the rules in deploy/rbac/rules.yaml " +
                "(a ClusterRole, or a Role in each namespace given to --namespaces). A 403 just after the API server started is transient.",
            404 when resource == ResourceType.WebSocketRoutes => "is the CRD installed? kubectl apply -f deploy/crds/",
            404 when resource == ResourceType.EndpointSlices => "this API server does not serve discovery.k8s.io/v1 EndpointSlices; --use-endpoints-v1 reads v1 Endpoints instead",
            404 => $"this API server does not serve {resource}",
            429 or 503 => "the API server is busy or still starting; retrying",
            _ => null,
        };
        var text = $"{call} was refused: HTTP {code}{(serverMessage is null ? string.Empty : $" ({serverMessage})")}";
        return hint is null ? text : $"{text}. Hint: {hint}";
    }

    /// <summary>
    /// Whether no answer came at all: nothing listens, the connection was reset or dropped mid-response. A failed TLS
    /// handshake is not counted: that is a configuration problem (wrong CA), not an outage that ends by itself.
    /// </summary>
    public static bool IsUnreachable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpOperationException or k8s.KubernetesException:
                    return false;
                case SocketException or HttpIOException or EndOfStreamException:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded }:
                    return true;
            }
        }

        return false;
    }

    private static (int? Code, string? Message) Answer(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpOperationException { Response: { } response }:
                    return ((int)response.StatusCode, StatusMessage(response.Content) ?? response.ReasonPhrase);
                case k8s.KubernetesException { Status: { } status }:
                    return (status.Code, status.Message);
            }
        }

        return (null, null);
    }

    // The API server answers with a Status object whose message says exactly what was refused.
    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private static string Flatten(Exception ex) =>
        ex.InnerException is null ? $"{ex.GetType().Name}: {ex.Message}" : $"{ex.GetType().Name}: {ex.Message} ({Flatten(ex.InnerException)})";
}
