using k8s;
using k8s.Models;
using Xunit;
using Sockway.Testing;

namespace Sockway.Kubernetes.Tests;

/// <summary>
/// deploy/rbac/rules.yaml (what the Helm chart grants) against the calls the controller really makes, as the API
/// double recorded them: nothing the controller does may be forbidden, and nothing granted may go unused.
/// </summary>
public sealed class RbacRulesTests : ClusterTestBase
{
    [Fact]
    public async Task RbacRules_AllowEveryCallTheControllerMakes_AndGrantNothingUnused()
    {
        var rules = KubernetesYaml.Deserialize<List<V1PolicyRule>>(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "deploy", "rbac", "rules.yaml")));
        var granted = rules.SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => (Verb: v, Group: g, Resource: res))))).ToHashSet();

        // Everything the controller can do: both endpoint sources, leading (lease create and renew), status, Events.
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync("--ingress-status-address", "203.0.113.7");
        var withEndpoints = await StartSockwayAsync("--use-endpoints-v1", "true", "--route-class", "legacy");
        await ServeChatAsync(sockway, backend);
        // Gateway API and WebSocketPolicy: listed, watched, and each kind's status written.
        GatewayApiTests.ApplyGatewayApi(Cluster);
        await Eventually.TrueAsync(() => new[] { "gatewayclasses/status", "gateways/status", "httproutes/status", "websocketpolicies/status" }
            .All(r => Api.Calls.Any(c => c.Verb == "patch" && c.Resource == r)), because: "the leader writes every Gateway API status");
        Cluster.ApplyRoute("broken", "no-leading-slash", "echo");
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status is not null && Cluster.EventsFor("WebSocketRoute", "broken").Count == 1);
        // Fixed, then broken the same way again: the second occurrence is counted on the same Event (patch).
        Cluster.ApplyRoute("broken", "/fixed", "echo");
        await Eventually.TrueAsync(() => Cluster.RouteCondition("broken", "Accepted")?.Status == "True");
        Cluster.ApplyRoute("broken", "no-leading-slash", "echo");
        await Eventually.TrueAsync(() => Cluster.EventsFor("WebSocketRoute", "broken").SingleOrDefault()?.Count == 2, because: "the repeat is counted");
        await Eventually.TrueAsync(() => Api.Calls.Count(c => c.Resource == "leases" && c.Verb == "update") >= 2, because: "the leader renews its lease");
        // An Ingress served: its load balancer status is written (ingresses/status), its unknown annotation an Event.
        Cluster.ApplyIngress("legacy-chat", "/legacy", "echo", annotations: new Dictionary<string, string> { ["nginx.ingress.kubernetes.io/rewrite-target"] = "/" });
        await Eventually.TrueAsync(() => Cluster.GetIngress("legacy-chat")?.Status?.LoadBalancer?.Ingress?.SingleOrDefault()?.Ip == "203.0.113.7",
            TimeSpan.FromSeconds(30), because: "the Ingress's load balancer status is written");
        await Eventually.TrueAsync(() => Cluster.EventsFor("Ingress", "legacy-chat").Count == 1, TimeSpan.FromSeconds(30), because: "the unknown annotation is a Warning Event");
        Assert.True(withEndpoints.Source.HasSynced);

        var made = Api.Calls.Select(c => (c.Verb, c.Group, c.Resource)).ToHashSet();
        Assert.Empty(made.Except(granted).Select(c => $"{c.Verb} {c.Group}/{c.Resource} is made but not granted"));
        Assert.Empty(granted.Except(made).Select(c => $"{c.Verb} {c.Group}/{c.Resource} is granted but never used"));
    }
}
