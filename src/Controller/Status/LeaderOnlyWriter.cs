using Microsoft.Extensions.Hosting;
using Sockway.Controller.Leadership;

namespace Sockway.Controller.Status;

/// <summary>
/// The loop every status writer shares: wake on a signal (a new translation, or this replica becoming leader), write
/// only while leading, and retry after a pause when a write failed. Whatever an object or the API server does, writing
/// carries on; the next signal retries.
/// </summary>
public abstract class LeaderOnlyWriter : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _signal = new(0, 1);

    protected LeaderOnlyWriter(LeadershipService leadership)
    {
        Leadership = leadership;
        leadership.LeadershipChanged += leader =>
        {
            if (leader)
            {
                Signal();
            }
        };
    }

    protected LeadershipService Leadership { get; }

    /// <summary>One pass over what should be written; false asks for a retry after a pause.</summary>
    protected abstract Task<bool> WriteAllAsync(CancellationToken cancellationToken);

    /// <summary>A pass threw: say so (the pass is retried).</summary>
    protected abstract void OnPassFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stoppingToken);
                if (Leadership.IsLeader && !await WriteAllAsync(stoppingToken))
                {
                    _ = RetryLaterAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                OnPassFailed(ex);
                _ = RetryLaterAsync(stoppingToken);
            }
        }
    }

    protected void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already pending; it will see this change too.
        }
    }

    private async Task RetryLaterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(RetryDelay, cancellationToken);
            Signal();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
