using k8s;
using k8s.Exceptions;
using Sockway.Controller.Hosting;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>Builds the one API client the process shares, from the options in the order a user expects.</summary>
public static class KubernetesClientFactory
{
    public static IKubernetes Create(KubernetesSourceOptions options)
    {
        try
        {
            return new k8s.Kubernetes(BuildConfiguration(options));
        }
        catch (Exception ex) when (ex is KubeConfigException or YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
        {
            throw new SockwayStartupException(
                "Kubernetes mode (the default without --routes) found no cluster: not running in a pod, and no usable kubeconfig " +
                $"(--kubeconfig, KUBECONFIG or ~/.kube/config): {ex.Message.ReplaceLineEndings(" ").TrimEnd('.')}. Pass --routes <directory> for standalone mode.",
                ExitCodes.Kubernetes, ex);
        }
    }

    public static KubernetesClientConfiguration BuildConfiguration(KubernetesSourceOptions options)
    {
        if (!string.IsNullOrEmpty(options.ApiServer))
        {
            return new KubernetesClientConfiguration { Host = options.ApiServer };
        }

        if (!string.IsNullOrEmpty(options.Kubeconfig))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig, options.Context);
        }

        // KUBECONFIG wins over the service account, so `KUBECONFIG=... sockway` behaves like kubectl. Only the first
        // existing file of a KUBECONFIG list is read: KubernetesClient does not merge several.
        var fromEnvironment = (Environment.GetEnvironmentVariable("KUBECONFIG") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(File.Exists);
        if (fromEnvironment is not null)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(fromEnvironment, options.Context);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        return KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: options.Context);
    }
}
