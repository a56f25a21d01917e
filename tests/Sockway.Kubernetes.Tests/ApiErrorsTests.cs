using System.Net;
using System.Net.Sockets;
using k8s.Autorest;
using Sockway.Controller.Sources.Kubernetes;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>What the informer logs for each way an API call fails: the call, the server's words, and a hint; and which failures mean "unreachable".</summary>
public sealed class ApiErrorsTests
{
    public static TheoryData<int, string, string[]> Refusals => new()
    {
        { 403, """{"kind":"Status","message":"websocketroutes.sockway.io is forbidden: User \"system:serviceaccount:shop:sockway\" cannot list resource \"websocketroutes\""}""",
            ["list websocketroutes.sockway.io in namespace shop was refused: HTTP 403", "system:serviceaccount:shop:sockway", "deploy/rbac/rules.yaml", "in namespace shop"] },
        { 404, """{"kind":"Status","message":"the server could not find the requested resource"}""", ["HTTP 404", "is the CRD installed? kubectl apply -f deploy/crds/"] },
        { 401, "", ["HTTP 401", "credentials were rejected"] },
        { 503, "not json at all {", ["HTTP 503", "busy or still starting"] },
        { 429, "null", ["HTTP 429", "busy or still starting"] },
        { 500, """{"message":42}""", ["list websocketroutes.sockway.io in namespace shop was refused: HTTP 500"] },
        { 418, """["an","array"]""", ["HTTP 418"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refusal_NamesTheCall_TheServersMessage_AndAHint(int code, string body, string[] expected)
    {
        var text = ApiErrors.Describe(Refused(code, body), "list", ResourceType.WebSocketRoutes, "shop");

        Assert.All(expected, e => Assert.Contains(e, text, StringComparison.Ordinal));
        Assert.False(ApiErrors.IsUnreachable(Refused(code, body)));
    }

    [Fact]
    public void Forbidden_ClusterWide_SaysClusterWide_AndNamesTheGroup()
    {
        var text = ApiErrors.Describe(Refused(403, "{}"), "watch", ResourceType.EndpointSlices, null);

        Assert.Contains("watch endpointslices.discovery.k8s.io in all namespaces was refused", text, StringComparison.Ordinal);
        Assert.Contains("cluster-wide", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NotFound_EndpointSlices_PointsAtEndpointsV1()
    {
        Assert.Contains("--use-endpoints-v1", ApiErrors.Describe(Refused(404, "{}"), "list", ResourceType.EndpointSlices, null), StringComparison.Ordinal);
    }

    public static TheoryData<Exception, bool> Failures => new()
    {
        { new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:6443)", new SocketException((int)SocketError.ConnectionRefused)), true },
        { new HttpRequestException("wrapped", new IOException("reset", new SocketException((int)SocketError.ConnectionReset))), true },
        { new InvalidOperationException("the watch ended with an error", new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely")), true },
        { new HttpRequestException(HttpRequestError.SecureConnectionError, "TLS handshake failed"), false },
        { new InvalidOperationException("the watch ended with an error", new k8s.KubernetesException(new k8s.Models.V1Status { Code = 403, Message = "forbidden" })), false },
        { new JsonReaderLikeException("bad body"), false },
        { new TaskCanceledException("timeout"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Unreachable_IsOnlyWhenNoAnswerCame(Exception failure, bool unreachable)
    {
        Assert.Equal(unreachable, ApiErrors.IsUnreachable(failure));
        var text = ApiErrors.Describe(failure, "watch", ResourceType.Services, "default");
        Assert.StartsWith("watch services in namespace default", text, StringComparison.Ordinal);
        if (failure.InnerException is k8s.KubernetesException)
        {
            Assert.Contains("HTTP 403 (forbidden)", text, StringComparison.Ordinal);
        }
    }

    private static HttpOperationException Refused(int code, string body) => new($"Operation returned an invalid status code '{(HttpStatusCode)code}'")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage((HttpStatusCode)code) { ReasonPhrase = ((HttpStatusCode)code).ToString() }, body),
    };

    private sealed class JsonReaderLikeException(string message) : Exception(message);
}
