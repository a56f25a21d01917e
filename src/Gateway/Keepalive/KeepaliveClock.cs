namespace Sockway.Gateway.Keepalive;

/// <summary>
/// A coarse clock for the per-message path: a tick count that the keepalive sweep moves on, read by the pumps to
/// stamp when each peer last sent bytes. Reading it is one memory read (no syscall, no timestamp per message).
/// </summary>
public sealed class KeepaliveClock(TimeProvider time)
{
    /// <summary>One tick; finer than any keepalive setting needs (the sweep runs every half second anyway).</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly long _start = time.GetTimestamp();
    private int _now = 1;

    public KeepaliveClock()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Ticks since start, from 1 (0 stands for "never" in the stamps that read it).</summary>
    public int Now => Volatile.Read(ref _now);

    /// <summary>Moves the clock to the time now; called by the sweep.</summary>
    public int Advance()
    {
        var ticks = 1 + (int)Math.Min(int.MaxValue - 1, time.GetElapsedTime(_start).Ticks / Tick.Ticks);
        Volatile.Write(ref _now, ticks);
        return ticks;
    }

    /// <summary>A setting in ticks, at least one.</summary>
    public static int TicksOf(TimeSpan span) => (int)Math.Clamp(span.Ticks / Tick.Ticks, 1, int.MaxValue);
}
