using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// Least privilege on a real API server with RBAC on: the controller runs with a ServiceAccount token (the
/// TokenRequest API, as `kubectl create token`) bound to exactly deploy/rbac/rules.yaml, does everything it does
/// (list/watch, status, Events, its lease), and the API server's audit log shows not one 403 for it.
/// </summary>
public sealed class RbacTests(EnvTestFixture fixture) : RealLaneTestBase(fixture)
{
    [SkippableFact]
    public async Task ClusterRoleFromTheRules_IsEnough_NoCallIsForbidden()
    {
        await StartAsync();
        var rules = await RulesAsync();
        await Cluster.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = Ns }, Rules = rules });
        await Cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = Ns },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = Ns },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "sockway", NamespaceProperty = Ns }],
        });

        // Cluster-wide, as the chart installs it; its own route class keeps it off the other tests' routes.
        await ExerciseAsync(["--route-class", Ns]);
    }

    [SkippableFact]
    public async Task RoleFromTheRules_InNamespacedMode_IsEnough_NoCallIsForbidden()
    {
        await StartAsync();
        var rules = await RulesAsync();
        // As the chart renders it: IngressClasses are cluster-scoped, so their rule goes into a ClusterRole even here.
        var clusterScoped = rules.Where(r => r.Resources.Contains("ingressclasses")).ToList();
        await Cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = "sockway" }, Rules = rules.Except(clusterScoped).ToList() }, Ns);
        await Cluster.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "sockway" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "sockway" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "sockway", NamespaceProperty = Ns }],
        }, Ns);
        await Cluster.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = $"sockway-ingressclasses-{Ns}" }, Rules = clusterScoped });
        await Cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"sockway-ingressclasses-{Ns}" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = $"sockway-ingressclasses-{Ns}" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "sockway", NamespaceProperty = Ns }],
        });

        await ExerciseAsync(["--namespaces", Ns, "--route-class", Ns]);
    }

    [SkippableFact]
    public async Task WithoutTheRules_TheErrorNamesTheCallAndSaysWhatToGrant()
    {
        await StartAsync();
        var kubeconfig = await ServiceAccountKubeconfigAsync();
        var sockway = Own(await KubernetesSockway.StartWithAsync(["--kubeconfig", kubeconfig, "--namespaces", Ns, "--Sockway:LeaderElection:LeaseNamespace", Ns]));

        var informer = sockway.Source.Informers.First(i => i.Name.StartsWith("websocketroutes", StringComparison.Ordinal));
        await Eventually.TrueAsync(() => informer.ConsecutiveFailures > 0, because: "an identity without rules is refused");
        Assert.False(sockway.Source.HasSynced);
        var refused = Server.AuditedRequests($"system:serviceaccount:{Ns}:sockway").Where(r => r.Code == 403).ToList();
        Assert.NotEmpty(refused);

        // The log says which call, where, and what to grant — not a bare "HTTP 403 Forbidden".
        var line = await Eventually.ValueAsync(() => sockway.Logs.Lines.FirstOrDefault(l => l.Contains("list websocketroutes.sockway.io", StringComparison.Ordinal)),
            because: "the refused list is logged");
        Assert.Contains($"in namespace {Ns} was refused: HTTP 403", line, StringComparison.Ordinal);
        Assert.Contains("deploy/rbac/rules.yaml", line, StringComparison.Ordinal);
        Assert.Contains($"system:serviceaccount:{Ns}:sockway", line, StringComparison.Ordinal);
        Assert.DoesNotContain("last known objects keep serving", line, StringComparison.Ordinal);
    }

    /// <summary>Runs a Sockway with the ServiceAccount's token through everything it does, then reads the audit log.</summary>
    private async Task ExerciseAsync(string[] args)
    {
        var kubeconfig = await ServiceAccountKubeconfigAsync();
        var pod = await StartPodAsync("a");
        var sockway = Own(await KubernetesSockway.StartWithAsync(["--kubeconfig", kubeconfig, "--Sockway:LeaderElection:LeaseNamespace", Ns, .. args]));
        var legacy = Own(await KubernetesSockway.StartWithAsync(["--kubeconfig", kubeconfig, "--Sockway:LeaderElection:LeaseNamespace", Ns, "--use-endpoints-v1", "true",
            .. args, "--Sockway:LeaderElection:Identity", "legacy"]));
        await Cluster.ApplyServiceAsync("echo");
        await ApplySliceAsync(pod);
        await Cluster.ApplyRouteAsync("chat", "/chat", "echo", routeClass: Ns);
        await Cluster.ApplyRouteAsync("broken", "/broken", "missing", routeClass: Ns);
        await sockway.WaitForRouteAsync($"{Ns}/chat", 1, TimeSpan.FromSeconds(20));

        await Eventually.SucceedsAsync(async () =>
        {
            Assert.Equal("True", (await Cluster.RouteConditionAsync("chat", RouteConditions.Ready))?.Status);
            Assert.NotEmpty(await Cluster.EventsForAsync("WebSocketRoute", "broken"));
        }, TimeSpan.FromSeconds(20));
        // The Service appears and goes again: the repeated BackendNotFound is counted on its Event (a patch).
        await Cluster.ApplyServiceAsync("missing");
        await Eventually.SucceedsAsync(async () => Assert.Equal("True", (await Cluster.RouteConditionAsync("broken", RouteConditions.ResolvedRefs))?.Status));
        await Cluster.DeleteServiceAsync("missing");
        await Eventually.SucceedsAsync(async () =>
            Assert.Equal(2, (await Cluster.EventsForAsync("WebSocketRoute", "broken")).Single(e => e.Reason == RouteConditions.Reasons.BackendNotFound).Count));
        await Eventually.TrueAsync(() => legacy.Source.HasSynced && (sockway.Leadership.IsLeader || legacy.Leadership.IsLeader));
        var user = $"system:serviceaccount:{Ns}:sockway";
        await Eventually.TrueAsync(() => Server.AuditedRequests(user).Count(r => r.Verb == "update" && r.Uri.Contains("/leases/", StringComparison.Ordinal)) >= 2,
            TimeSpan.FromSeconds(15), "the leader renews its lease");

        var requests = Server.AuditedRequests(user);
        Assert.Empty(requests.Where(r => r.Code == 403).Select(r => r.ToString()));
        Assert.Contains(requests, r => r.Verb == "patch" && r.Uri.Contains("/websocketroutes/chat/status", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Verb == "create" && r.Uri.Contains("/events", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Verb == "patch" && r.Uri.Contains("/events/", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Verb == "watch" && r.Uri.Contains("/endpoints", StringComparison.Ordinal));

        RequireTraffic();
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("a", await socket.WhoAmIAsync());
    }

    /// <summary>ServiceAccount "sockway" and a kubeconfig with a token for it from the TokenRequest API.</summary>
    private async Task<string> ServiceAccountKubeconfigAsync()
    {
        await Cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "sockway" } }, Ns);
        var token = await Cluster.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, "sockway", Ns);
        return await Server.WriteKubeconfigAsync($"{Ns}-sockway", token.Status.Token);
    }

    private static async Task<List<V1PolicyRule>> RulesAsync() =>
        KubernetesYaml.Deserialize<List<V1PolicyRule>>(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "deploy", "rbac", "rules.yaml")));
}
