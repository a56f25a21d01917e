using System.Net.WebSockets;
using System.Text.Json;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Ingress;

/// <summary>
/// The nginx annotations do what a user of them expects, through a real Sockway serving Ingress files to real
/// backends: source ranges refuse the client, a body limit answers 413, a hash keeps one key on one backend, a short
/// read timeout closes an idle tunnel, and an annotation Sockway does not implement is reported on /api/routes.
/// </summary>
public sealed class IngressAnnotationBehaviourTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _scenario = await Scenario.StartAsync(2, s => new Dictionary<string, string>
        {
            ["ingresses.yaml"] = Manifests.Join(
                Ingress("open", "open.test", ("whitelist-source-range", "127.0.0.1"), ("rewrite-target", "/")),
                Ingress("allow-only", "allow.test", ("whitelist-source-range", "10.0.0.0/8")),
                Ingress("deny", "deny.test", ("denylist-source-range", "127.0.0.0/8, ::1")),
                Ingress("body", "body.test", ("proxy-body-size", "1k")),
                Ingress("hash", "hash.test", ("upstream-hash-by", "$http_x_tenant_id")),
                Ingress("idle", "idle.test", ("proxy-read-timeout", "1"), ("proxy-send-timeout", "1"))),
            ["backends.yaml"] = Manifests.Service("app") + Manifests.Slices("app", s.Backends.Select(b => b.Port)),
        }, "Ingress:default/open/0/0");
        await _scenario.Sockway.WaitForRouteAsync("Ingress:default/open/0/0", 2);
    }

    [Fact]
    public async Task A_client_outside_the_allowed_ranges_or_inside_a_denied_one_gets_403()
    {
        Assert.StartsWith("backend-", await IngressExamples.WebSocketAsync(_scenario.Sockway, "open.test", "/ws"));
        Assert.Equal("403", await IngressExamples.WebSocketAsync(_scenario.Sockway, "allow.test", "/ws"));
        Assert.Equal("403", await IngressExamples.PlainAsync(_scenario.Sockway, "allow.test", "/ws"));
        Assert.Equal("403", await IngressExamples.WebSocketAsync(_scenario.Sockway, "deny.test", "/ws"));
        Assert.Equal(0, _scenario.Backends.Sum(b => b.Seen.Count(r => r.Host is "allow.test" or "deny.test")));
    }

    [Fact]
    public async Task A_body_over_proxy_body_size_gets_413_and_one_under_it_reaches_the_backend()
    {
        Assert.Equal("413", await IngressExamples.UploadAsync(_scenario.Sockway, "body.test", "/ws"));
        Assert.Equal("200", await IngressExamples.UploadAsync(_scenario.Sockway, "open.test", "/ws"));
    }

    [Fact]
    public async Task Every_connection_with_one_hash_key_reaches_one_backend()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 8; i++)
        {
            seen.Add(await IngressExamples.WebSocketAsync(_scenario.Sockway, "hash.test", "/ws"));
        }

        Assert.Single(seen);
        Assert.StartsWith("backend-", seen.Single());
    }

    [Fact]
    public async Task A_tunnel_idle_past_proxy_read_timeout_is_closed()
    {
        using var socket = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"), o => o.SetRequestHeader("Host", "idle.test"));
        Assert.StartsWith("backend-", await socket.WhoAmIAsync());

        // Bounded: one second of silence closes it; with the default (an hour) this receive would be cancelled instead.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var closed = false;
        try
        {
            closed = (await socket.ReceiveAsync(new byte[16], wait.Token)).MessageType == WebSocketMessageType.Close;
        }
        catch (WebSocketException)
        {
            closed = true;
        }

        Assert.True(closed && !wait.IsCancellationRequested, "the idle tunnel was not closed by Sockway within 15 s");
    }

    [Fact]
    public async Task Api_routes_reports_each_ingress_with_its_annotations_and_paths()
    {
        using var http = new HttpClient { BaseAddress = _scenario.Sockway.ManagementUri };
        // The pipeline records the report right after the gateway serves the config the fixture waited for.
        await Eventually.SucceedsAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/routes"));
            var open = doc.RootElement.GetProperty("ingresses").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "open");

            var annotations = open.GetProperty("annotations").EnumerateArray()
                .Select(a => $"{a.GetProperty("annotation").GetString()} {a.GetProperty("disposition").GetString()}").ToList();
            Assert.Contains("nginx.ingress.kubernetes.io/rewrite-target Dropped", annotations);
            Assert.Contains("nginx.ingress.kubernetes.io/whitelist-source-range Mapped", annotations);
            Assert.Equal("Ingress:default/open/0/0", open.GetProperty("paths")[0].GetProperty("id").GetString());
            Assert.Contains(open.GetProperty("conditions").EnumerateArray(), c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");
        });
    }

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    private static string Ingress(string name, string host, params (string Key, string Value)[] annotations) => $"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: {name}
          annotations:
        {string.Join('\n', annotations.Select(a => $"    nginx.ingress.kubernetes.io/{a.Key}: \"{a.Value}\""))}
        spec:
          ingressClassName: sockway
          rules:
            - host: {host}
              http:
                paths:
                  - path: /ws
                    pathType: Prefix
                    backend:
                      service:
                        name: app
                        port:
                          name: http
        """;
}
