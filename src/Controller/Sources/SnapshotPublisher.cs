using Sockway.Controller.Snapshots;

namespace Sockway.Controller.Sources;

/// <summary>
/// The hand-off between a source and the pipeline: holds only the latest snapshot, so a burst of changes
/// becomes one translation instead of a queue of stale ones.
/// </summary>
public sealed class SnapshotPublisher
{
    private readonly SemaphoreSlim _changed = new(0, 1);
    private volatile ClusterSnapshot? _latest;
    private long _version;
    private long _publishedAt;

    /// <summary>The newest snapshot, or null until the source has finished its initial load.</summary>
    public ClusterSnapshot? Latest => _latest;

    /// <summary>Increases with every publish; lets tests and the pipeline tell snapshots apart.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Stopwatch timestamp of the latest publish (for the sync-lag metric).</summary>
    public long PublishedAt => Interlocked.Read(ref _publishedAt);

    public void Publish(ClusterSnapshot snapshot)
    {
        Interlocked.Exchange(ref _publishedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        _latest = snapshot;
        Interlocked.Increment(ref _version);
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // A signal is already pending; the reader will pick up this snapshot with it.
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _changed.WaitAsync(cancellationToken);
}
