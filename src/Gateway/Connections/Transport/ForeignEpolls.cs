using static Sockway.Gateway.Connections.Transport.LinuxInterop;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// The epoll instances in this process that are not Sockway's (.NET's socket engine has one per engine thread),
/// found through /proc/self/fd ("anon_inode:[eventpoll]"). A socket handed to the epoll transport is removed from
/// them before .NET's Socket is disposed: a registration belongs to the open file description, so it would outlive
/// .NET's descriptor through Sockway's duplicate and wake .NET's engine thread on every packet (epoll(7), Q6), and
/// once .NET's number is closed it can no longer be removed. The list is cached; it is scanned again (at most every
/// <see cref="RescanInterval"/>) when an instance in it is gone or when none of them held a socket.
/// </summary>
internal sealed class ForeignEpolls(Func<IReadOnlySet<int>> own, TimeProvider time)
{
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private int[] _known = [];
    private long _scannedAt = long.MinValue;

    /// <summary>Removes descriptor <paramref name="fd"/> (.NET's number, still open) from every foreign epoll.</summary>
    /// <returns>How many held it.</returns>
    public unsafe int RemoveFromAll(int fd)
    {
        var removed = 0;
        var stale = false;
        foreach (var epfd in Known(force: false))
        {
            if (epoll_ctl_raw(epfd, EPOLL_CTL_DEL, fd, null) == 0)
            {
                removed++;
            }
            else if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() is EBADF or EINVAL)
            {
                stale = true;
            }
        }

        if ((removed == 0 || stale) && TryRescan())
        {
            foreach (var epfd in Volatile.Read(ref _known))
            {
                removed += epoll_ctl_raw(epfd, EPOLL_CTL_DEL, fd, null) == 0 ? 1 : 0;
            }
        }

        return removed;
    }

    /// <summary>The foreign epoll descriptors found by the last scan.</summary>
    public IReadOnlyList<int> Known(bool force)
    {
        if (force || Volatile.Read(ref _scannedAt) == long.MinValue)
        {
            lock (_gate)
            {
                Scan();
            }
        }

        return Volatile.Read(ref _known);
    }

    private bool TryRescan()
    {
        lock (_gate)
        {
            if (time.GetElapsedTime(_scannedAt) < RescanInterval)
            {
                return false;
            }

            Scan();
            return true;
        }
    }

    private void Scan()
    {
        var mine = own();
        var found = new List<int>();
        foreach (var path in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(path), out var fd) && !mine.Contains(fd)
                    && new FileInfo(path).LinkTarget == "anon_inode:[eventpoll]")
                {
                    found.Add(fd);
                }
            }
            catch (IOException)
            {
                // Closed while we looked (the enumeration's own descriptor, too).
            }
        }

        Volatile.Write(ref _known, found.ToArray());
        Volatile.Write(ref _scannedAt, time.GetTimestamp());
    }
}
