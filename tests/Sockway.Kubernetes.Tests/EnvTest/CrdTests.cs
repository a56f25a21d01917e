using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// deploy/crds on a real (1.26, the oldest supported) API server: it installs with strict field validation and is
/// Established, `kubectl explain` has a description for every field, `kubectl get` prints readable columns, and the
/// specs users get wrong are refused with the CRD's own messages.
/// </summary>
public sealed class CrdTests(EnvTestFixture fixture) : RealLaneTestBase(fixture)
{
    private const string CrdName = "websocketroutes.sockway.io";

    [SkippableFact]
    public async Task Crd_IsEstablished_AndEverySchemaFieldHasADescription()
    {
        await StartAsync();
        // The fixture installed it with fieldValidation=Strict, as `kubectl apply` does since 1.25.
        var crd = await Cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(CrdName);
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");

        var missing = new List<string>();
        Walk(crd.Spec.Versions.Single().Schema.OpenAPIV3Schema, "websocketroute", missing);
        Assert.Empty(missing);
    }

    [SkippableFact]
    public async Task PrinterColumns_JoinTheHosts_AndShowTheEndpoints()
    {
        await StartAsync();
        var pod = await StartPodAsync("a");
        var sockway = await StartSockwayAsync();
        await Cluster.ApplyServiceAsync("echo");
        await ApplySliceAsync(pod);
        await Cluster.ApplyRouteAsync("multi", "/multi", "echo", hosts: ["a.example.com", "b.example.com"]);
        await Cluster.ApplyRouteAsync("any", "/any", "echo");
        await sockway.WaitForRouteAsync($"{Ns}/any", 1);

        // `kubectl get wsr` asks for a Table; its cells come from the CRD's printer columns.
        await Eventually.SucceedsAsync(async () =>
        {
            var table = await GetTableAsync($"/apis/sockway.io/v1alpha1/namespaces/{Ns}/websocketroutes");
            var columns = table.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
            var rows = table.GetProperty("rows").EnumerateArray()
                .ToDictionary(r => r.GetProperty("cells")[0].GetString()!, r => r.GetProperty("cells").EnumerateArray().Select(c => c.ToString()).ToList());
            Assert.Equal("a.example.com,b.example.com", rows["multi"][columns.IndexOf("Hosts")]);
            Assert.Equal("*", rows["any"][columns.IndexOf("Hosts")]);
            Assert.Equal("1", rows["multi"][columns.IndexOf("Endpoints")]);
            Assert.Equal("True", rows["multi"][columns.IndexOf("Ready")]);
        });
    }

    public static TheoryData<string, string> InvalidSpecs => new()
    {
        { """{"path":"/h","backend":{"service":{"name":"echo","port":"http"}},"balancing":{"policy":"ConsistentHash"}}""", "spec.balancing.hashKey is required when spec.balancing.policy is ConsistentHash" },
        { """{"path":"/exact/","pathType":"Exact","backend":{"service":{"name":"echo","port":"http"}}}""", "spec.path: an Exact path must not end with '/'" },
        { """{"path":"/a//b","backend":{"service":{"name":"echo","port":"http"}}}""", "spec.path must not contain '//'" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":0}}}""", "spec.backend.service.port must be 1-65535 or a port name" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"HTTP_PORT"}}}""", "spec.backend.service.port must be 1-65535 or a port name" },
        { """{"path":"no-slash","backend":{"service":{"name":"echo","port":"http"}}}""", "spec.path" },
        { """{"path":"/p","backend":{"service":{"name":"Echo","port":"http"}}}""", "spec.backend.service.name" },
        { """{"path":"/p","hosts":["Chat.Example.com"],"backend":{"service":{"name":"echo","port":"http"}}}""", "spec.hosts[0]" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"balancing":{"policy":"Random"}}""", "spec.balancing.policy" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"timeouts":{"idle":"10 minutes"}}""", "spec.timeouts.idle" },
        { """{"path":"/p","backend":{"service":{"name":"echo"}}}""", "spec.backend.service.port" },
        { """{"path":"/p"}""", "spec.backend" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"balancing":{"boundedLoadPercent":50}}""", "spec.balancing.boundedLoadPercent" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"keepalive":{"interval":"30s","timeout":"0"}}""", "spec.keepalive.timeout must be greater than 0 when spec.keepalive.interval is not 0" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"keepalive":{"interval":"100ms"}}""", "spec.keepalive.interval must be 0 (off) or at least 1s" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"keepalive":{"interval":"often"}}""", "spec.keepalive.interval" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"maxFrameBytes":2048,"maxMessageBytes":1024}}""", "spec.limits.maxFrameBytes must not exceed spec.limits.maxMessageBytes" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"maxFrameBytes":1099511627776}}""", "spec.limits.maxFrameBytes must not exceed spec.limits.maxMessageBytes" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"maxMessageBytes":0}}""", "spec.limits.maxMessageBytes" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"handshakeBurstPerClient":10}}""", "spec.limits.handshakeBurstPerClient needs spec.limits.handshakesPerSecondPerClient" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"maxConnectionsPerClient":0}}""", "spec.limits.maxConnectionsPerClient" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"handshakesPerSecondPerClient":10001}}""", "spec.limits.handshakesPerSecondPerClient" },
        { """{"path":"/p","backend":{"service":{"name":"echo","port":"http"}},"limits":{"handshakesPerSecondPerClient":5,"handshakeBurstPerClient":0}}""", "spec.limits.handshakeBurstPerClient" },
    };

    [SkippableTheory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task InvalidSpec_IsRefused_WithTheCrdsMessage(string spec, string expected)
    {
        await StartAsync();
        var manifest = $$"""{"apiVersion":"sockway.io/v1alpha1","kind":"WebSocketRoute","metadata":{"name":"bad","namespace":"{{Ns}}"},"spec":{{spec}}}""";

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => Cluster.ApplyRouteJsonAsync("bad", manifest));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
        Assert.Contains(expected, refused.Response.Content, StringComparison.Ordinal);
        Assert.Null(await Cluster.GetRouteAsync("bad"));
    }

    private async Task<JsonElement> GetTableAsync(string path)
    {
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.Url, path));
        request.Headers.Authorization = new("Bearer", config.AccessToken);
        request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static void Walk(V1JSONSchemaProps schema, string path, List<string> missing)
    {
        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            var child = $"{path}.{name}";
            // metadata is ObjectMeta: the API server forbids describing it and kubectl explain shows its own text.
            if (string.IsNullOrWhiteSpace(property.Description) && child != "websocketroute.metadata")
            {
                missing.Add($"{child} has no description (kubectl explain {child} shows none)");
            }

            Walk(property, child, missing);
            var items = property.Items switch
            {
                V1JSONSchemaProps typed => typed,
                JsonElement raw => raw.Deserialize<V1JSONSchemaProps>(),
                _ => null,
            };
            if (items is not null)
            {
                Walk(items, child, missing);
            }
        }
    }
}
