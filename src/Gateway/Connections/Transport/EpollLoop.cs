using System.Runtime.InteropServices;
using static Sockway.Gateway.Connections.Transport.LinuxInterop;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// One epoll instance and the thread that waits on it. An event carries a slot and a generation in this loop's
/// table, never a descriptor number: a slot is reused only with a new generation, so an event still queued for a
/// stream that was disposed (and whose number the kernel may already have given to someone else) is dropped.
/// The loop never stops (it is process-wide, like .NET's own socket engine), so nothing needs to wake it:
/// epoll_ctl is safe from any thread.
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int BatchSize = 256;
    private const uint Interest = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private EpollStream?[] _slots = new EpollStream?[64];
    private int[] _generations = new int[64];
    private int _used;

    public EpollLoop(int index)
    {
        Descriptor = epoll_create1(EPOLL_CLOEXEC);
        if (Descriptor < 0)
        {
            throw new IOException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        new Thread(Run) { IsBackground = true, Name = $"Sockway epoll {index}" }.Start();
    }

    /// <summary>This loop's epoll descriptor (never closed).</summary>
    public int Descriptor { get; }

    /// <summary>Streams registered now (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _used - _free.Count;
            }
        }
    }

    /// <summary>Adds the stream's descriptor edge-triggered; 0, or the errno (the stream is then not registered).</summary>
    public int Register(EpollStream stream)
    {
        int slot, generation;
        lock (_gate)
        {
            if (!_free.TryPop(out slot))
            {
                if (_used == _slots.Length)
                {
                    Array.Resize(ref _generations, _used * 2);
                    var grown = new EpollStream?[_used * 2];
                    Array.Copy(_slots, grown, _used);
                    Volatile.Write(ref _slots, grown);
                }

                slot = _used++;
            }

            generation = ++_generations[slot];
            stream.Bind(this, slot, generation);
            Volatile.Write(ref _slots[slot], stream);
        }

        var error = Control(Descriptor, EPOLL_CTL_ADD, stream.Descriptor, Interest, (ulong)(uint)generation << 32 | (uint)slot);
        if (error != 0)
        {
            Release(stream);
        }

        return error;
    }

    /// <summary>Removes the stream before its descriptor is closed, and frees its slot.</summary>
    public void Unregister(EpollStream stream)
    {
        try
        {
            Control(Descriptor, EPOLL_CTL_DEL, stream.Descriptor, 0, 0);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: closing removed it.
        }

        Release(stream);
    }

    private void Release(EpollStream stream)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_slots[stream.Slot], stream))
            {
                _slots[stream.Slot] = null;
                _free.Push(stream.Slot);
            }
        }
    }

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(BatchSize * EventSize));
        while (true)
        {
            var count = epoll_wait(Descriptor, events, BatchSize, -1);
            if (count < 0)
            {
                // EINTR (a signal); anything else would be a bug in this class, and spinning on it would hide it less
                // than exiting the thread, which would freeze every tunnel on this loop.
                continue;
            }

            var slots = Volatile.Read(ref _slots);
            for (var i = 0; i < count; i++)
            {
                var entry = events + (i * EventSize);
                var data = *(ulong*)(entry + EventDataOffset);
                var slot = (int)(uint)data;
                var stream = slot < slots.Length ? Volatile.Read(ref slots[slot]) : null;
                if (stream is not null && stream.Generation == (int)(data >> 32))
                {
                    stream.OnEvents(*(uint*)entry);
                }
            }
        }
    }
}
