namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// The process's epoll loops: min(processors, 2), created on first use and never stopped (like .NET's socket
/// engine threads). Shared by every gateway host in the process; streams are spread over them in turn.
/// </summary>
internal static class EpollLoops
{
    private static readonly Lazy<EpollLoop[]> Loops = new(() =>
        Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 2)).Select(i => new EpollLoop(i)).ToArray());

    private static int _next;

    public static IReadOnlyList<EpollLoop> All => Loops.Value;

    public static EpollLoop Next()
    {
        var loops = Loops.Value;
        return loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }

    /// <summary>The loops' own epoll descriptors, which are not "foreign".</summary>
    public static IReadOnlySet<int> Descriptors() => Loops.Value.Select(l => l.Descriptor).ToHashSet();
}
