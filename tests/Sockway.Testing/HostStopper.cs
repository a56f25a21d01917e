using Microsoft.AspNetCore.Builder;

namespace Sockway.Testing;

internal static class HostStopper
{
    /// <summary>Stops a host gracefully but never hangs a test run on it.</summary>
    public static async ValueTask StopAsync(WebApplication app, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync();
    }
}
