using Microsoft.Extensions.DependencyInjection;

namespace Sockway.Controller.Sources.Files;

public static class DirectorySourceRegistration
{
    /// <summary>Standalone mode: manifests from a directory feed the pipeline.</summary>
    public static IServiceCollection AddDirectorySource(this IServiceCollection services)
    {
        services.AddOptions<DirectorySourceOptions>().BindConfiguration(DirectorySourceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DirectorySource>();
        services.AddHostedService(sp => sp.GetRequiredService<DirectorySource>());
        return services;
    }
}
