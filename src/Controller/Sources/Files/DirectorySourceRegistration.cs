using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sockway.Controller.Sources.Files;

public static class DirectorySourceRegistration
{
    /// <summary>Standalone mode: manifests from a directory feed the pipeline.</summary>
    public static IServiceCollection AddDirectorySource(this IServiceCollection services)
    {
        services.AddOptions<DirectorySourceOptions>().BindConfiguration(DirectorySourceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DirectorySourceOptions>, RoutesDirectoryExists>();
        services.AddSingleton<DirectorySource>();
        services.AddHostedService(sp => sp.GetRequiredService<DirectorySource>());
        return services;
    }

    /// <summary>
    /// A routes directory that is not there at start is a typo, not an outage: start-up fails naming it. (Once
    /// running, the directory vanishing is an outage: the source reports it and keeps the last good config.)
    /// </summary>
    private sealed class RoutesDirectoryExists : IValidateOptions<DirectorySourceOptions>
    {
        public ValidateOptionsResult Validate(string? name, DirectorySourceOptions options) =>
            string.IsNullOrEmpty(options.Directory) || Directory.Exists(options.Directory)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"routes directory '{Path.GetFullPath(options.Directory)}' does not exist (--routes, or {DirectorySourceOptions.Section}:Directory)");
    }
}
