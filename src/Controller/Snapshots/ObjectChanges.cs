namespace Sockway.Controller.Snapshots;

/// <summary>
/// What a source knows changed between the snapshot it published before and this one: each object added or replaced
/// (<see cref="ObjectChange.Current"/>) or deleted (null). A consumer that translated exactly <see cref="Since"/> may
/// work from these alone; any other consumer diffs the lists. Weak, so a snapshot never keeps its predecessors alive.
/// </summary>
public sealed class ObjectChanges(ClusterSnapshot since, IReadOnlyList<ObjectChange> objects)
{
    private readonly WeakReference<ClusterSnapshot> _since = new(since);

    public IReadOnlyList<ObjectChange> Objects { get; } = objects;

    /// <summary>True when these are the changes from <paramref name="snapshot"/> (the same instance).</summary>
    public bool Follow(ClusterSnapshot? snapshot) => snapshot is not null && _since.TryGetTarget(out var since) && ReferenceEquals(since, snapshot);
}

/// <summary>One object that changed: its kind (the snapshot list's element type), namespace and name, and the object now (null: deleted).</summary>
public sealed record ObjectChange(Type Kind, string Namespace, string Name, object? Current);
