using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Sockway.Controller.Status;

public static class KubernetesStatusRegistration
{
    /// <summary>Route status and Events written back to the API server (by the leader only).</summary>
    public static IServiceCollection AddKubernetesStatus(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StatusWriteOptions>().BindConfiguration(StatusWriteOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<KubernetesEventRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesEventRecorder>());
        services.AddSingleton<KubernetesStatusWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesStatusWriter>());
        services.AddSingleton<IngressStatusWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<IngressStatusWriter>());
        services.AddSingleton<Gateways.GatewayApiStatusWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<Gateways.GatewayApiStatusWriter>());
        return services;
    }
}
