using System.Net.Sockets;
using k8s.Exceptions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Sockway.Controller.Hosting;

/// <summary>Turns an exception that stopped start-up into one line for the operator and an exit code.</summary>
public sealed record StartupFailure(int ExitCode, string Message)
{
    public static StartupFailure From(Exception exception)
    {
        var chain = Chain(exception).ToList();
        if (chain.OfType<SockwayStartupException>().FirstOrDefault() is { } startup)
        {
            return new(startup.ExitCode, startup.Message);
        }

        if (chain.OfType<OptionsValidationException>().FirstOrDefault() is { } invalid)
        {
            return new(ExitCodes.Configuration, $"invalid configuration: {string.Join("; ", invalid.Failures)}");
        }

        if (chain.OfType<AddressInUseException>().FirstOrDefault() is not null
            || chain.OfType<SocketException>().FirstOrDefault(s => s.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable) is not null)
        {
            return new(ExitCodes.Listen, $"{OuterIo(chain)?.Message ?? chain[^1].Message} Choose another port (--http-port, --https-port, --management-port) or stop what holds it.");
        }

        if (chain.OfType<KubeConfigException>().FirstOrDefault() is not null)
        {
            // The factory's wrapper already says what to do; KubernetesClient's own message is the fallback.
            return new(ExitCodes.Kubernetes, chain[0] is KubeConfigException kube
                ? $"no usable Kubernetes configuration: {kube.Message}. Pass --kubeconfig, or --routes <directory> for standalone mode."
                : chain[0].Message);
        }

        if (chain.FirstOrDefault(e => e is DirectoryNotFoundException or UnauthorizedAccessException or FileNotFoundException) is { } file)
        {
            return new(ExitCodes.Configuration, file.Message);
        }

        // The configuration binder's "Failed to convert configuration value '…' at '…' to type '…'".
        if (chain.OfType<InvalidOperationException>().FirstOrDefault(e => e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)) is { } binding)
        {
            return new(ExitCodes.Configuration, $"invalid configuration: {binding.Message}");
        }

        return new(ExitCodes.Unexpected, $"{chain[0].GetType().Name}: {chain[0].Message} (run with --verbose for details)");
    }

    private static IOException? OuterIo(List<Exception> chain) => chain.OfType<IOException>().FirstOrDefault();

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException { InnerExceptions.Count: 1 } single)
            {
                e = single.InnerExceptions[0];
            }

            if (e is System.Reflection.TargetInvocationException { InnerException: { } target })
            {
                e = target;
            }

            yield return e;
        }
    }
}
