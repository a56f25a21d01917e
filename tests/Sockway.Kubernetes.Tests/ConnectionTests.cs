using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Reaching the cluster from outside it: a kubeconfig file and context, as kubectl would use.</summary>
public sealed class ConnectionTests : ClusterTestBase
{
    [Fact]
    public async Task Kubeconfig_WithAContext_ConnectsToThatCluster()
    {
        var backend = await StartBackendAsync("b1");
        var kubeconfig = await WriteKubeconfigAsync(currentContext: "elsewhere");
        try
        {
            await AssertServedAsync(backend, ["--kubeconfig", kubeconfig, "--context", "double"]);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task KubeconfigEnvironmentVariable_IsUsedWhenNoOptionSaysOtherwise()
    {
        var backend = await StartBackendAsync("b1");
        var kubeconfig = await WriteKubeconfigAsync(currentContext: "double");
        // Process-wide, but harmless here: every other test passes --api-server or --kubeconfig, which win over KUBECONFIG.
        Environment.SetEnvironmentVariable("KUBECONFIG", kubeconfig);
        try
        {
            await AssertServedAsync(backend, []);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", null);
            File.Delete(kubeconfig);
        }
    }

    private async Task AssertServedAsync(TestBackend backend, string[] connectionArgs)
    {
        var sockway = Own(await KubernetesSockway.StartWithAsync(connectionArgs));
        await ServeChatAsync(sockway, backend);
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal(backend.Name, await socket.WhoAmIAsync());
        Assert.Equal("Bearer not-a-real-token", Api.LastAuthorization);
    }

    /// <summary>A kubeconfig with two clusters: "double" (the API double) and "elsewhere" (nothing listens there).</summary>
    private async Task<string> WriteKubeconfigAsync(string currentContext)
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"sockway-kubeconfig-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: double
                cluster:
                  server: {Api.Url.ToString().TrimEnd('/')}
              - name: elsewhere
                cluster:
                  server: http://127.0.0.1:1
            users:
              - name: tester
                user:
                  token: not-a-real-token
            contexts:
              - name: double
                context:
                  cluster: double
                  user: tester
              - name: elsewhere
                context:
                  cluster: elsewhere
                  user: tester
            current-context: {currentContext}
            """);
        return kubeconfig;
    }
}
