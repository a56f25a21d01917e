namespace Sockway.Controller.Sources.Files;

/// <summary>
/// When this process first saw each object: the standalone stand-in for creationTimestamp, which decides host+path
/// conflicts. Objects first seen in the same scan share a time (namespace/name then decides, as in Kubernetes); a
/// later scan's time is always later, even if the clock steps back, so an object added later never wins.
/// </summary>
internal sealed class FirstSeenOrder
{
    private readonly Dictionary<(string Kind, string Namespace, string Name), DateTime> _seen = [];
    private DateTime _last = DateTime.MinValue;

    public IReadOnlyDictionary<(string Kind, string Namespace, string Name), DateTime> Update(IEnumerable<(string Kind, string Namespace, string Name)> present, DateTime now)
    {
        var keys = present.ToHashSet();
        foreach (var gone in _seen.Keys.Where(k => !keys.Contains(k)).ToList())
        {
            _seen.Remove(gone);
        }

        // Whole seconds, as the API server stores creationTimestamp.
        var scan = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        if (scan <= _last)
        {
            scan = _last.AddSeconds(1);
        }

        var added = false;
        foreach (var key in keys.Where(k => !_seen.ContainsKey(k)))
        {
            _seen[key] = scan;
            added = true;
        }

        if (added)
        {
            _last = scan;
        }

        return _seen;
    }
}
