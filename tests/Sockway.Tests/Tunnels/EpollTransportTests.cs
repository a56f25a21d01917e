using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sockway.Gateway.Connections.Transport;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Tunnels;

/// <summary>
/// The epoll transport's stream, on real loopback sockets: the semantics TunnelPump and TrackedStream rely on, and
/// the descriptor's life (out of .NET's epoll once adopted, closed exactly once, never confused with a reused one).
/// Not in parallel with other tests: the leak check counts the process's descriptors.
/// </summary>
[CollectionDefinition(nameof(EpollTransportTests), DisableParallelization = true)]
[Collection(nameof(EpollTransportTests))]
public sealed class EpollTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task A_zero_byte_read_waits_for_data_and_consumes_none()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        using (peer)
        await using (gateway)
        {
            var wait = gateway.ReadAsync(Memory<byte>.Empty);
            Assert.False(wait.IsCompleted);
            await peer.SendAsync("abc"u8.ToArray());
            Assert.Equal(0, await wait.AsTask().WaitAsync(Bound));
            // Data is there now: another zero-byte read completes at once, and the bytes are all still there.
            Assert.True(gateway.ReadAsync(Memory<byte>.Empty).IsCompleted);
            Assert.Equal("abc", await ReadStringAsync(gateway, 3));
        }
    }

    [SkippableFact]
    public async Task Leftover_bytes_come_first_and_a_zero_byte_read_sees_them()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync("xy"u8.ToArray());
        using (peer)
        await using (gateway)
        {
            await peer.SendAsync("z"u8.ToArray());
            Assert.True(gateway.ReadAsync(Memory<byte>.Empty).IsCompletedSuccessfully);
            var one = new byte[1];
            Assert.Equal(1, await gateway.ReadAsync(one));
            Assert.Equal((byte)'x', one[0]);
            Assert.Equal("yz", await ReadStringAsync(gateway, 2));
        }
    }

    [SkippableFact]
    public async Task A_short_read_then_waits_for_the_next_edge_and_sees_every_later_byte()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        using (peer)
        await using (gateway)
        {
            var buffer = new byte[64];
            for (var i = 0; i < 200; i++)
            {
                var pending = gateway.ReadAsync(buffer).AsTask();
                await peer.SendAsync(new[] { (byte)i });
                Assert.Equal(1, await pending.WaitAsync(Bound));
                Assert.Equal((byte)i, buffer[0]);
            }

            // A FIN that arrives together with the last bytes brings no edge of its own: the read after them still ends.
            await peer.SendAsync("end"u8.ToArray());
            peer.Shutdown(SocketShutdown.Send);
            await Eventually.TrueAsync(() => gateway.ReadAsync(Memory<byte>.Empty).IsCompleted);
            Assert.Equal("end", await ReadStringAsync(gateway, 3));
            Assert.Equal(0, await gateway.ReadAsync(buffer).AsTask().WaitAsync(Bound));
        }
    }

    [SkippableFact]
    public async Task A_FIN_that_arrived_with_the_last_bytes_still_ends_the_next_read()
    {
        SkipUnlessLinux();
        var (peer, socket) = await RawPairAsync();
        using (peer)
        {
            // Data and FIN are queued before adoption: the registration reports one edge for both, and the short read
            // of the data must not make the next read wait for an edge that will never come.
            await peer.SendAsync("last"u8.ToArray());
            peer.Shutdown(SocketShutdown.Send);
            await Eventually.TrueAsync(() => socket.Available == 4);
            await using var gateway = TestTransport.Epoll().Adopt(socket, []);
            var buffer = new byte[64];
            Assert.Equal(4, await gateway.ReadAsync(buffer).AsTask().WaitAsync(Bound));
            Assert.Equal(0, await gateway.ReadAsync(buffer).AsTask().WaitAsync(Bound));
        }
    }

    [SkippableFact]
    public async Task A_write_to_a_peer_that_stops_reading_waits_and_then_delivers_every_byte()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        using (peer)
        await using (gateway)
        {
            var payload = RandomNumberGenerator.GetBytes(32 * 1024 * 1024);
            var write = gateway.WriteAsync(payload).AsTask();
            // 32 MiB cannot fit in loopback socket buffers: the write must be waiting for EPOLLOUT.
            Assert.False(write.IsCompleted);
            var received = new byte[payload.Length];
            await ReadExactlyAsync(peer, received);
            await write.WaitAsync(Bound);
            Assert.True(payload.AsSpan().SequenceEqual(received));
        }
    }

    [SkippableFact]
    public async Task A_peer_reset_mid_message_ends_the_read_and_fails_the_next_write()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        await using (gateway)
        {
            var buffer = new byte[16];
            await peer.SendAsync(new byte[] { 0x82, 0x7E, 0x10 }); // a frame head announcing 4 KiB, then nothing
            Assert.Equal(3, await gateway.ReadAsync(buffer).AsTask().WaitAsync(Bound));
            var pending = gateway.ReadAsync(buffer).AsTask();
            peer.LingerState = new LingerOption(true, 0);
            peer.Dispose(); // RST
            var ended = await Record.ExceptionAsync(async () => Assert.Equal(0, await pending.WaitAsync(Bound)));
            Assert.True(ended is null or IOException, $"unexpected {ended}");
            await Assert.ThrowsAnyAsync<IOException>(async () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    await gateway.WriteAsync(new byte[1024]);
                }
            });
        }
    }

    [SkippableFact]
    public async Task Dispose_ends_a_pending_read_with_end_of_stream()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        using (peer)
        {
            var zeroByte = gateway.ReadAsync(Memory<byte>.Empty).AsTask();
            gateway.Dispose();
            Assert.Equal(0, await zeroByte.WaitAsync(Bound));
            Assert.Equal(0, await gateway.ReadAsync(new byte[4]));
            // The peer sees the connection end.
            Assert.Equal(0, await peer.ReceiveAsync(new byte[4]).WaitAsync(Bound));
        }

        var (peer2, gateway2) = await AdoptedPairAsync();
        using (peer2)
        {
            var read = gateway2.ReadAsync(new byte[4]).AsTask();
            Assert.False(read.IsCompleted);
            gateway2.Dispose();
            Assert.Equal(0, await read.WaitAsync(Bound));
        }
    }

    [SkippableFact]
    public async Task Dispose_ends_a_pending_write()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        using (peer)
        {
            var write = gateway.WriteAsync(new byte[32 * 1024 * 1024]).AsTask();
            Assert.False(write.IsCompleted);
            gateway.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(Bound));
        }
    }

    [SkippableFact]
    public async Task A_cancelled_token_ends_a_pending_read_and_the_stream_stays_usable()
    {
        SkipUnlessLinux();
        var (peer, gateway) = await AdoptedPairAsync();
        using (peer)
        await using (gateway)
        {
            using var cts = new CancellationTokenSource();
            var read = gateway.ReadAsync(new byte[4], cts.Token).AsTask();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Bound));
            await peer.SendAsync("ok"u8.ToArray());
            Assert.Equal("ok", await ReadStringAsync(gateway, 2));
        }
    }

    [SkippableFact]
    public async Task An_adopted_descriptor_is_in_no_epoll_but_sockways()
    {
        SkipUnlessLinux();
        var (peer, socket) = await RawPairAsync();
        using (peer)
        {
            // A receive that has to wait registers the socket in .NET's engine, as the handshake's reads did.
            var receive = socket.ReceiveAsync(new byte[1]);
            await peer.SendAsync(new byte[] { 1 });
            await receive.WaitAsync(Bound);
            var inode = SocketInode(socket.SafeHandle.DangerousGetHandle().ToInt32());
            var transport = TestTransport.Epoll();
            var foreign = transport.Foreign.Known(force: true);
            Assert.Contains(foreign, epfd => Watches(epfd, inode)); // the test can fail: .NET's epoll holds it now

            await using var stream = transport.Adopt(socket, []);
            Assert.IsType<EpollStream>(stream);
            Assert.DoesNotContain(foreign, epfd => Watches(epfd, inode));
            Assert.Contains(EpollLoops.All, loop => Watches(loop.Descriptor, inode));
            await peer.SendAsync("still"u8.ToArray());
            Assert.Equal("still", await ReadStringAsync(stream, 5));
        }
    }

    [SkippableFact]
    public async Task When_taking_the_descriptor_fails_the_tunnel_stays_on_the_sockets_transport()
    {
        SkipUnlessLinux();
        var (peer, socket) = await RawPairAsync();
        using (peer)
        {
            await using var stream = TestTransport.Epoll(simulatedDuplicateError: 24 /* EMFILE */).Adopt(socket, "hi"u8.ToArray());
            Assert.IsNotType<EpollStream>(stream);
            await peer.SendAsync("!"u8.ToArray());
            Assert.Equal("hi!", await ReadStringAsync(stream, 3));
            await stream.WriteAsync("back"u8.ToArray());
            Assert.Equal("back", Encoding.ASCII.GetString(await ReceiveAsync(peer, 4)));
        }
    }

    [SkippableFact]
    public async Task Many_tunnels_opened_and_closed_concurrently_never_cross_and_leak_nothing()
    {
        SkipUnlessLinux();
        var transport = TestTransport.Epoll();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(512);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = EpollLoops.All;
        var descriptorsBefore = Directory.GetFiles("/proc/self/fd").Length;
        var registeredBefore = EpollLoops.All.Sum(l => l.Count);

        // 6 waves of 50 at once; every stream closes while its neighbours still have data in flight.
        for (var wave = 0; wave < 6; wave++)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => OneAsync(wave * 1000 + i)));
        }

        await Eventually.TrueAsync(() => EpollLoops.All.Sum(l => l.Count) == registeredBefore, because: "every stream left its loop");
        await Eventually.TrueAsync(() => Directory.GetFiles("/proc/self/fd").Length <= descriptorsBefore + 2, because: "every descriptor was closed");

        async Task OneAsync(int id)
        {
            using var peer = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accept = listener.AcceptSocketAsync();
            await peer.ConnectAsync(IPAddress.Loopback, port);
            // The accepted socket may be another task's: each side says who it is first.
            await peer.SendAsync(BitConverter.GetBytes(id));
            var accepted = await accept;
            var idBytes = new byte[4];
            await ReadExactlyAsync(accepted, idBytes);
            var peerId = BitConverter.ToInt32(idBytes);
            await using var stream = transport.Adopt(accepted, []);
            var down = Payload(peerId, 'd');
            var write = stream.WriteAsync(down).AsTask();
            var send = peer.SendAsync(Payload(id, 'u'));
            var received = new byte[down.Length];
            await ReadExactlyAsync(peer, received);
            await write;
            await send;
            Assert.Equal(Payload(id, 'd'), received);
            var up = new byte[down.Length];
            await stream.ReadExactlyAsync(up).AsTask().WaitAsync(Bound);
            Assert.Equal(Payload(peerId, 'u'), up);
        }
    }

    private static byte[] Payload(int id, char direction) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"<{direction}{id.ToString(CultureInfo.InvariantCulture)}>", 2000)));

    internal static void SkipUnlessLinux() => Skip.IfNot(OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");

    private static async Task<(Socket Peer, Stream Gateway)> AdoptedPairAsync(byte[]? leftover = null)
    {
        var (peer, socket) = await RawPairAsync();
        var stream = TestTransport.Epoll().Adopt(socket, leftover ?? []);
        Assert.IsType<EpollStream>(stream);
        return (peer, stream);
    }

    private static async Task<(Socket Peer, Socket Gateway)> RawPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await peer.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return (peer, await accept);
    }

    private static async Task<string> ReadStringAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Bound);
        return Encoding.ASCII.GetString(buffer);
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        await ReadExactlyAsync(socket, buffer);
        return buffer;
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(Bound);
        for (var offset = 0; offset < buffer.Length;)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(offset), timeout.Token);
            Assert.NotEqual(0, read);
            offset += read;
        }
    }

    private static string SocketInode(int fd) =>
        new FileInfo($"/proc/self/fd/{fd}").LinkTarget!.Replace("socket:[", "").TrimEnd(']');

    // /proc/self/fdinfo/<epfd> lists one "tfd: <n> events: <x> data: <d> pos:0 ino:<hex> sdev:<x>" line per watched file.
    private static bool Watches(int epfd, string inode)
    {
        var hex = "ino:" + long.Parse(inode, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture) + " ";
        return File.ReadAllLines($"/proc/self/fdinfo/{epfd}").Any(line => line.StartsWith("tfd:", StringComparison.Ordinal) && line.Contains(hex, StringComparison.Ordinal));
    }
}
