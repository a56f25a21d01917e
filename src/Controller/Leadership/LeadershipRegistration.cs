using Microsoft.Extensions.DependencyInjection;

namespace Sockway.Controller.Leadership;

public static class LeadershipRegistration
{
    /// <summary>Lease-based leader election; needs an IKubernetes in the container.</summary>
    public static IServiceCollection AddLeaderElection(this IServiceCollection services)
    {
        services.AddOptions<LeaderElectionOptions>().BindConfiguration(LeaderElectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LeadershipService>();
        services.AddHostedService(sp => sp.GetRequiredService<LeadershipService>());
        return services;
    }
}
