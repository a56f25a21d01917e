namespace Sockway.Controller.Status;

/// <summary>A Warning Event to record on an API object (a rejected route, an object that could not be read).</summary>
public sealed record ObjectEvent(string ApiVersion, string Kind, string? Namespace, string Name, string? Uid, string Reason, string Message)
{
    /// <summary>One Event per distinct key; a repeat of the same key is counted on that Event (see KubernetesEventRecorder).</summary>
    public string DedupKey => $"{ApiVersion}|{Kind}|{Namespace}/{Name}|{Uid}|{Reason}|{Message}";
}
