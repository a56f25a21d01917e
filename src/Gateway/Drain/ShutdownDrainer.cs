using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Connections;

namespace Sockway.Gateway.Drain;

/// <summary>
/// On SIGTERM, before the server stops: readiness goes false, new upgrades are refused, and every open tunnel
/// gets Close 1001 at a random moment within the shutdown window; then waits (bounded) for the tunnels to end.
/// </summary>
public sealed partial class ShutdownDrainer : IHostedLifecycleService
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(6);
    private readonly ConnectionRegistry _registry;
    private readonly DrainScheduler _scheduler;
    private readonly GatewayDrainState _state;
    private readonly DrainOptions _options;
    private readonly HostOptions _host;
    private readonly ILogger<ShutdownDrainer> _logger;

    public ShutdownDrainer(ConnectionRegistry registry, DrainScheduler scheduler, GatewayDrainState state, IOptions<DrainOptions> options,
        IOptions<HostOptions> host, ILogger<ShutdownDrainer> logger)
    {
        _registry = registry;
        _scheduler = scheduler;
        _state = state;
        _options = options.Value;
        _host = host.Value;
        _logger = logger;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _state.Begin();
        // Tunnels still in their handshake too: their close runs right after the 101.
        var tunnels = _registry.Tunnels.Where(t => !t.IsClosing).ToList();
        // Everything must be closed before the host's own shutdown timeout runs out.
        var window = TimeSpan.FromTicks(Math.Max(0, Math.Min(_options.ShutdownWindow.Ticks, (_host.ShutdownTimeout - CloseGrace - CloseGrace).Ticks)));
        LogShutdownDrain(tunnels.Count, window.TotalSeconds);
        foreach (var tunnel in tunnels)
        {
            _scheduler.ScheduleWithin(tunnel, window, GatewayCloseReason.Shutdown);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(window + CloseGrace);
        try
        {
            while (_registry.Tunnels.Any(t => t.IsUpgraded))
            {
                await Task.Delay(50, deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Kestrel no longer owns detached tunnels, so it would not cut them when it stops: do it here.
            var left = _registry.Tunnels.Where(t => t.IsUpgraded).ToList();
            LogDrainIncomplete(left.Count);
            left.ForEach(t => t.Abort());
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: closing {Count} open WebSocket(s) with 1001 over {WindowSeconds:F0} s")]
    private partial void LogShutdownDrain(int count, double windowSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown drain ended with {Count} tunnel(s) still open")]
    private partial void LogDrainIncomplete(int count);
}
