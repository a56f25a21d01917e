using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Sockway.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// The Helm chart, rendered for this API server's version with each of its CI values files, is accepted object by
/// object in a server-side dry-run apply: the API server's own schemas (strict, as server-side apply is) and
/// admission, not a client-side model, decide. Kinds this server does not serve (Prometheus Operator's) are listed.
/// </summary>
public sealed partial class ChartDryRunTests(EnvTestFixture fixture, ITestOutputHelper output) : RealLaneTestBase(fixture)
{
    private static readonly string Tools = Path.Combine(RepositoryPaths.Root, ".tools");
    private static readonly string Chart = Path.Combine(RepositoryPaths.Root, "deploy", "helm", "sockway");

    public static TheoryData<string> ValuesFiles => new() { "default", "production", "namespaced", "daemonset" };

    [SkippableTheory]
    [MemberData(nameof(ValuesFiles))]
    public async Task RenderedChart_IsAcceptedInAServerSideDryRun(string values)
    {
        await StartAsync();
        var helm = Path.Combine(Tools, "helm");
        var kubectl = Path.Combine(Tools, "kubectl");
        Skip.IfNot(File.Exists(helm) && File.Exists(kubectl), "helm and kubectl not found in .tools (scripts/test.sh installs both from npm)");

        var version = (await Server.Admin.Version.GetCodeAsync()).GitVersion.TrimStart('v');
        string[] valuesArgs = values == "default" ? [] : ["-f", Path.Combine(Chart, "ci", values + "-values.yaml")];
        var (rendered, helmCode, helmErrors) = await RunAsync(helm, null,
            ["template", "sockway", Chart, "--namespace", "sockway", "--include-crds", "--kube-version", version, .. valuesArgs]);
        Assert.True(helmCode == 0, helmErrors);

        var documents = rendered.Split("\n---", StringSplitOptions.RemoveEmptyEntries).Where(d => Kind().IsMatch(d)).ToList();
        var notServed = documents.Where(d => d.Contains("apiVersion: monitoring.coreos.com/", StringComparison.Ordinal)).ToList();
        var applied = documents.Except(notServed).ToList();
        foreach (var ns in applied.SelectMany(d => Namespace().Matches(d).Select(m => m.Groups[1].Value)).Append("sockway").Distinct())
        {
            if ((await Server.Admin.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}")).Items.Count == 0)
            {
                await Server.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
            }
        }

        var (stdout, code, stderr) = await RunAsync(kubectl, string.Join("\n---\n", applied),
            ["--kubeconfig", Server.KubeconfigPath, "apply", "--server-side", "--force-conflicts", "--dry-run=server",
             "--field-manager", "sockway-chart-test", "-f", "-"]);

        output.WriteLine($"kube-apiserver {version}, values '{values}': {applied.Count} objects in a server-side dry-run; not served here: "
            + (notServed.Count == 0 ? "none" : string.Join(", ", notServed.Select(d => Kind().Match(d).Groups[1].Value))));
        output.WriteLine(stdout);
        Assert.True(code == 0, $"the API server refused the chart rendered with '{values}':\n{stderr}");
        Assert.Equal(applied.Count, stdout.Split('\n').Count(l => l.Contains("(server dry run)", StringComparison.Ordinal)));
    }

    private static async Task<(string Output, int Code, string Errors)> RunAsync(string file, string? input, string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var errors = string.Join('\n', (await stderr).Split('\n').Where(l => !l.Contains("found symbolic link in path", StringComparison.Ordinal)));
        return (await stdout, process.ExitCode, errors);
    }

    [GeneratedRegex("^kind: (\\w+)", RegexOptions.Multiline)]
    private static partial Regex Kind();

    // A top-level object's namespace (metadata is indented two spaces).
    [GeneratedRegex("^  namespace: ([a-z0-9-]+)\\s*$", RegexOptions.Multiline)]
    private static partial Regex Namespace();
}
