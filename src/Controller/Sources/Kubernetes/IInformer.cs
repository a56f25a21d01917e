namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>What an informer exposes about its health, whatever it watches (for readiness and metrics).</summary>
public interface IInformer
{
    /// <summary>The resource and scope, e.g. "endpointslices.discovery.k8s.io in all namespaces".</summary>
    string Name { get; }

    /// <summary>The resource's plural, e.g. "endpointslices" (the watch label of the metrics).</summary>
    string Resource { get; }

    /// <summary>The watched namespace; null for all.</summary>
    string? Namespace { get; }

    InformerSyncState State { get; }

    /// <summary>True once the initial list completed; stays true while reconnecting (the cache keeps serving).</summary>
    bool HasSynced { get; }

    /// <summary>Objects in the cache.</summary>
    int Count { get; }

    /// <summary>Attempts after the first: server-closed watches and each retry after an error, from the first attempt on.</summary>
    long Reconnects { get; }

    /// <summary>Full lists after the first one (resourceVersion expired, 410 Gone).</summary>
    long Relists { get; }

    /// <summary>Objects skipped because they could not be read.</summary>
    long MalformedObjects { get; }

    /// <summary>The resourceVersion the next watch resumes from (null when a list is due).</summary>
    string? ResourceVersion { get; }

    /// <summary>Consecutive failures of list or watch; 0 while healthy.</summary>
    int ConsecutiveFailures { get; }

    /// <summary>Raised when <see cref="State"/> changes.</summary>
    event Action<IInformer>? StateChanged;
}
