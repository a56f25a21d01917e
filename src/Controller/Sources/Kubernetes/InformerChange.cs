namespace Sockway.Controller.Sources.Kubernetes;

public enum InformerChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change to an informer's cache; <see cref="Old"/> is null for adds, <see cref="New"/> for deletes.</summary>
public sealed record InformerChange<T>(InformerChangeType Type, T? Old, T? New)
    where T : class;
