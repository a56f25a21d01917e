namespace Sockway.Gateway.Connections;

/// <summary>
/// Open plus reserved slots of an endpoint or a route, lock-free. Retiring it (only when empty) is atomic against
/// reservations: a reservation that lands on a retired counter sees a negative count and takes a fresh entry.
/// </summary>
internal sealed class SlotCounter
{
    private const int RetiredMark = int.MinValue / 2;
    private int _active;

    public int Active => Math.Max(0, Volatile.Read(ref _active));

    public bool IsRetired => Volatile.Read(ref _active) < 0;

    /// <summary>False when the limit is reached; null when this counter was retired.</summary>
    public bool? TryReserve(int limit)
    {
        var active = Interlocked.Increment(ref _active);
        if (active < 0)
        {
            return null;
        }

        if (active <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _active);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _active);

    public bool TryRetire() => Interlocked.CompareExchange(ref _active, RetiredMark, 0) == 0;
}
