using k8s;
using k8s.Models;
using Sockway.Controller.Hosting;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Deploy;

/// <summary>
/// Renders the Helm chart with the real helm binary and checks what a cluster would get: the CRD, the RBAC rules
/// from their single source (cluster-wide or per watched namespace), args the executable understands, the shutdown
/// timers derived from the grace period, the PDB only where it cannot block a drain, and the hardened pod.
/// </summary>
public sealed class HelmChartTests
{
    private static readonly string RulesFile = Path.Combine(RepositoryPaths.Root, "deploy", "rbac", "rules.yaml");

    [SkippableFact]
    public async Task Chart_renders_the_crd_and_args_sockway_understands()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("--set", "watchNamespaces={team-a,team-b}");

        var crds = objects["CustomResourceDefinition"].Select(y => KubernetesYaml.Deserialize<V1CustomResourceDefinition>(y).Metadata.Name).Order();
        Assert.Equal(["websocketpolicies.sockway.io", "websocketroutes.sockway.io"], crds);

        var container = Container(objects);
        foreach (var arg in container.Args)
        {
            var flag = arg.Split('=')[0];
            Assert.True(SockwayApp.SwitchMappings.ContainsKey(flag), $"the chart passes {flag}, which sockway does not know");
        }

        Assert.Contains("--namespaces=team-a,team-b", container.Args);
        Assert.Contains("--https-port=8443", container.Args);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("management", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Contains(container.Ports, p => p.Name == "management" && p.ContainerPort == 9090);
    }

    [SkippableFact]
    public async Task Rbac_is_the_rules_file_cluster_wide_with_leases_only_in_the_release_namespace()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync();

        var cluster = KubernetesYaml.Deserialize<V1ClusterRole>(objects["ClusterRole"].Single());
        var lease = KubernetesYaml.Deserialize<V1Role>(objects["Role"].Single());
        Assert.Equal("sockway", lease.Metadata.NamespaceProperty);
        Assert.All(lease.Rules, r => Assert.Equal(["leases"], r.Resources));
        Assert.DoesNotContain(cluster.Rules, r => r.Resources.Contains("leases"));
        Assert.Equal(Serialized(Rules()), Serialized(cluster.Rules.Concat(lease.Rules)).Order());
        var binding = KubernetesYaml.Deserialize<V1ClusterRoleBinding>(objects["ClusterRoleBinding"].Single());
        Assert.Equal(("ServiceAccount", "sockway", "sockway"), (binding.Subjects.Single().Kind, binding.Subjects.Single().Name, binding.Subjects.Single().NamespaceProperty));
    }

    [SkippableFact]
    public async Task Rbac_with_watchNamespaces_is_a_role_per_namespace_and_nothing_cluster_wide_but_ingressclasses()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("--set", "watchNamespaces={team-a,team-b}");

        // IngressClasses are cluster-scoped, so no Role can grant them: the one cluster-wide grant is reading those.
        var cluster = KubernetesYaml.Deserialize<V1ClusterRole>(objects["ClusterRole"].Single());
        var clusterRule = Assert.Single(cluster.Rules);
        Assert.Equal(["ingressclasses"], clusterRule.Resources);
        Assert.Equal(["list", "watch"], clusterRule.Verbs.Order());
        Assert.Single(objects["ClusterRoleBinding"]);
        var roles = objects["Role"].Select(y => KubernetesYaml.Deserialize<V1Role>(y)).ToDictionary(r => r.Metadata.NamespaceProperty + "/" + r.Metadata.Name);
        Assert.Equal(["sockway/sockway-leader-election", "team-a/sockway", "team-b/sockway"], roles.Keys.Order());
        foreach (var ns in new[] { "team-a", "team-b" })
        {
            Assert.Equal(Serialized(Rules()), Serialized(roles[$"{ns}/sockway"].Rules.Concat(roles["sockway/sockway-leader-election"].Rules).Concat(cluster.Rules)).Order());
        }

        var bindings = objects["RoleBinding"].Select(y => KubernetesYaml.Deserialize<V1RoleBinding>(y)).ToList();
        Assert.Equal(3, bindings.Count);
        Assert.All(bindings, b => Assert.Equal(("Role", "sockway"), (b.RoleRef.Kind, b.Subjects.Single().NamespaceProperty)));
    }

    [SkippableTheory]
    [InlineData(120, 10, "00:01:45", "00:01:33")]
    [InlineData(300, 15, "00:04:40", "00:04:28")]
    [InlineData(45, 5, "00:00:35", "00:00:23")]
    [InlineData(30, 0, "00:00:25", "00:00:13")]
    public async Task PreStop_delay_grace_period_and_drain_window_are_derived_together(int grace, int preStop, string timeout, string window)
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("--set", $"terminationGracePeriodSeconds={grace},preStopDelaySeconds={preStop}");
        var pod = KubernetesYaml.Deserialize<V1Deployment>(objects["Deployment"].Single()).Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal(grace, pod.TerminationGracePeriodSeconds);
        Assert.Equal(preStop == 0 ? null : preStop, container.Lifecycle?.PreStop?.Sleep?.Seconds);
        var shutdown = TimeSpan.Parse(container.Env.Single(e => e.Name == "Sockway__Drain__ShutdownTimeout").Value);
        var drain = TimeSpan.Parse(container.Env.Single(e => e.Name == "Sockway__Drain__ShutdownWindow").Value);
        Assert.Equal((timeout, window), (shutdown.ToString(), drain.ToString()));
        // The process is gone 5 s before the kubelet's SIGKILL, and the window leaves the gateway its two 6 s close graces.
        Assert.Equal(grace - 5, preStop + (int)shutdown.TotalSeconds);
        Assert.Equal(shutdown - TimeSpan.FromSeconds(12), drain);
    }

    [SkippableTheory]
    [InlineData("1.26.0", false)]
    [InlineData("1.29.9", false)]
    [InlineData("1.30.0", true)]
    public async Task PreStop_delay_uses_the_kubelets_sleep_action_where_the_cluster_has_it(string kubeVersion, bool sleepAction)
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("--kube-version", kubeVersion, "--set", "preStopDelaySeconds=7");
        var preStop = KubernetesYaml.Deserialize<V1Deployment>(objects["Deployment"].Single()).Spec.Template.Spec.Containers.Single().Lifecycle.PreStop;

        // The sleep action is on by default from 1.30; before that the container's own sleep keeps the pod serving.
        Assert.Equal(sleepAction ? 7 : null, preStop.Sleep?.Seconds);
        Assert.Equal(sleepAction ? null : new[] { "sleep", "7" }, preStop.Exec?.Command);
    }

    [SkippableTheory]
    [InlineData(false, "replicaCount=1")]
    [InlineData(true, "replicaCount=2")]
    [InlineData(true, "replicaCount=1,autoscaling.enabled=true")]
    [InlineData(false, "replicaCount=1,autoscaling.enabled=true,autoscaling.minReplicas=1,autoscaling.maxReplicas=1")]
    [InlineData(true, "controllerKind=DaemonSet")]
    [InlineData(false, "replicaCount=3,podDisruptionBudget.enabled=false")]
    public async Task Pdb_is_rendered_only_when_more_than_one_pod_can_run(bool rendered, string values)
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("--set", values);
        Assert.Equal(rendered ? 1 : 0, objects["PodDisruptionBudget"].Count());
    }

    [SkippableFact]
    public async Task Https_off_renders_no_flag_and_no_port()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("--set", "ports.https=null");
        var container = Container(objects);

        Assert.DoesNotContain(container.Args, a => a.StartsWith("--https-port", StringComparison.Ordinal));
        Assert.Equal(["http", "management"], container.Ports.Select(p => p.Name));
        Assert.All(container.Ports, p => Assert.True(p.ContainerPort > 0));
        var services = objects["Service"].Select(y => KubernetesYaml.Deserialize<V1Service>(y)).ToList();
        Assert.DoesNotContain(services.SelectMany(s => s.Spec.Ports), p => p.Name == "https");
    }

    [SkippableFact]
    public async Task Pod_is_hardened_by_default_and_the_ids_can_be_left_to_the_platform()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var pod = KubernetesYaml.Deserialize<V1Deployment>((await HelmChart.RenderAsync())["Deployment"].Single()).Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal((true, 64198L, 64198L, "RuntimeDefault"), (pod.SecurityContext.RunAsNonRoot, pod.SecurityContext.RunAsUser, pod.SecurityContext.RunAsGroup, pod.SecurityContext.SeccompProfile.Type));
        Assert.Equal((false, true), (container.SecurityContext.AllowPrivilegeEscalation, container.SecurityContext.ReadOnlyRootFilesystem));
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Contains(container.VolumeMounts, m => m.MountPath == "/tmp" && pod.Volumes.Single(v => v.Name == m.Name).EmptyDir is not null);
        Assert.Equal(["topology.kubernetes.io/zone", "kubernetes.io/hostname"], pod.TopologySpreadConstraints.Select(t => t.TopologyKey));

        // OpenShift's restricted SCC assigns the uid and gid itself.
        var openShift = KubernetesYaml.Deserialize<V1Deployment>((await HelmChart.RenderAsync("--set", "podSecurityContext.runAsUser=null,podSecurityContext.runAsGroup=null,podSecurityContext.fsGroup=null"))["Deployment"].Single()).Spec.Template.Spec;
        Assert.Equal((true, null, null, null), (openShift.SecurityContext.RunAsNonRoot, openShift.SecurityContext.RunAsUser, openShift.SecurityContext.RunAsGroup, openShift.SecurityContext.FsGroup));
    }

    [SkippableTheory]
    [InlineData("production")]
    [InlineData("namespaced")]
    [InlineData("daemonset")]
    public async Task Values_files_render_objects_without_unknown_fields(string name)
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("-f", Path.Combine(HelmChart.Directory, "ci", $"{name}-values.yaml"));
        HelmChart.AssertKnownFieldsOnly(objects, name);
    }

    [SkippableFact]
    public async Task Production_values_reach_the_objects()
    {
        Skip.If(HelmChart.Helm is null, HelmChart.Missing);
        var objects = await HelmChart.RenderAsync("-f", Path.Combine(HelmChart.Directory, "ci", "production-values.yaml"));
        var deployment = KubernetesYaml.Deserialize<V1Deployment>(objects["Deployment"].Single());
        var pod = deployment.Spec.Template.Spec;

        Assert.Null(deployment.Spec.Replicas); // the HPA owns it
        Assert.Equal("registry.example.com/platform/sockway/sockway@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", pod.Containers.Single().Image);
        Assert.Equal("registry-credentials", pod.ImagePullSecrets.Single().Name);
        Assert.Equal("system-cluster-critical", pod.PriorityClassName);
        Assert.Contains("--trusted-proxies=10.0.0.0/8", pod.Containers.Single().Args);
        Assert.Contains("--proxy-protocol=10.0.0.0/8", pod.Containers.Single().Args);
        Assert.Equal("sockway", pod.TopologySpreadConstraints.Single().LabelSelector.MatchLabels["app.kubernetes.io/name"]);
        var service = KubernetesYaml.Deserialize<V1Service>(objects["Service"].First());
        Assert.Equal(("service.k8s.aws/nlb", 30443), (service.Spec.LoadBalancerClass, service.Spec.Ports.Single(p => p.Name == "https").NodePort));
        Assert.Equal(["203.0.113.0/24", "198.51.100.0/24"], service.Spec.LoadBalancerSourceRanges);
        Assert.Equal("arn:aws:iam::123456789012:role/sockway", KubernetesYaml.Deserialize<V1ServiceAccount>(objects["ServiceAccount"].Single()).Metadata.Annotations["eks.amazonaws.com/role-arn"]);
        var pdb = KubernetesYaml.Deserialize<V1PodDisruptionBudget>(objects["PodDisruptionBudget"].Single());
        Assert.Equal(("1", null), (pdb.Spec.MaxUnavailable?.Value, pdb.Spec.MinAvailable));
        Assert.Single(objects["ServiceMonitor"]);
        Assert.Single(objects["PodMonitor"]);
        Assert.Contains("alert: SockwayAbnormalCloses", objects["PrometheusRule"].Single(), StringComparison.Ordinal);
    }

    private static V1Container Container(ILookup<string, string> objects) =>
        KubernetesYaml.Deserialize<V1Deployment>(objects["Deployment"].Single()).Spec.Template.Spec.Containers.Single();

    private static List<V1PolicyRule> Rules() => KubernetesYaml.Deserialize<List<V1PolicyRule>>(File.ReadAllText(RulesFile));

    private static IEnumerable<string> Serialized(IEnumerable<V1PolicyRule> rules) => rules.Select(r => KubernetesJson.Serialize(r)).Order();
}
