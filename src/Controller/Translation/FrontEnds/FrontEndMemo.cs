using k8s.Models;

namespace Sockway.Controller.Translation.FrontEnds;

/// <summary>
/// What a front-end made of each object last time, so that an object that did not change gives back the same intent
/// instance (the incremental core memoises by intent instance). Keyed by the object itself: sources hand on the same
/// instance for an unchanged object; its metadata is compared too, in case a source stamped it in place. Only objects
/// seen in the latest round are kept.
/// </summary>
internal sealed class FrontEndMemo
{
    private Dictionary<object, Entry> _previous = new(ReferenceEqualityComparer.Instance);
    private Dictionary<object, Entry> _current = new(ReferenceEqualityComparer.Instance);

    public TResult GetOrRead<TObject, TResult>(TObject source, Func<TObject, TResult> read)
        where TObject : class, k8s.IKubernetesObject<V1ObjectMeta>
        where TResult : class
    {
        var stamp = Stamp.Of(source.Metadata);
        if ((_current.TryGetValue(source, out var entry) || _previous.TryGetValue(source, out entry)) && entry.Stamp == stamp && entry.Result is TResult known)
        {
            _current[source] = entry;
            return known;
        }

        var result = read(source);
        _current[source] = new Entry(stamp, result);
        return result;
    }

    /// <summary>Ends a translation round: objects not read in it are forgotten.</summary>
    public void EndRound()
    {
        _previous = _current;
        _current = new Dictionary<object, Entry>(_previous.Count, ReferenceEqualityComparer.Instance);
    }

    private sealed record Entry(Stamp Stamp, object Result);

    private readonly record struct Stamp(string? Namespace, string? Name, string? ResourceVersion, long? Generation, DateTime? CreatedAt, string? Uid, int Labels)
    {
        public static Stamp Of(V1ObjectMeta? m) => new(m?.NamespaceProperty, m?.Name, m?.ResourceVersion, m?.Generation, m?.CreationTimestamp, m?.Uid, m?.Labels?.Count ?? -1);
    }
}
