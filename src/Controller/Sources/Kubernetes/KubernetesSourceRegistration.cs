using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sockway.Controller.Leadership;
using Sockway.Controller.Status;

namespace Sockway.Controller.Sources.Kubernetes;

public static class KubernetesSourceRegistration
{
    /// <summary>Kubernetes mode: the API server feeds the pipeline; the leader writes status and Events back.</summary>
    public static IServiceCollection AddKubernetesSource(this IServiceCollection services)
    {
        services.AddOptions<KubernetesSourceOptions>().BindConfiguration(KubernetesSourceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IKubernetes>(sp => KubernetesClientFactory.Create(sp.GetRequiredService<IOptions<KubernetesSourceOptions>>().Value));
        services.AddSingleton<KubernetesSource>();
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesSource>());
        services.AddLeaderElection();
        services.AddKubernetesStatus();
        return services;
    }
}
