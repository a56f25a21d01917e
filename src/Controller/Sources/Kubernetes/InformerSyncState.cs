namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>Where an informer stands with the API server.</summary>
public enum InformerSyncState
{
    /// <summary>The initial list has not completed yet; nothing from this informer is published.</summary>
    Unsynced,

    /// <summary>Listed and watching: the cache follows the API server.</summary>
    Synced,

    /// <summary>The watch or list failed; the last known objects keep serving while it retries with backoff.</summary>
    Reconnecting,
}
