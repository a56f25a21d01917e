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
            current-context: elsewhere
            """);
        try
        {
            var sockway = Own(await KubernetesSockway.StartWithAsync(["--kubeconfig", kubeconfig, "--context", "double"]));
            await ServeChatAsync(sockway, backend);
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
            Assert.Equal("b1", await socket.WhoAmIAsync());
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
