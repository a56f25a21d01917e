using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;
using Sockway.Tests.Framing;
using Xunit;

namespace Sockway.Tests.Tunnels;

/// <summary>
/// One tunnel between two real loopback connections (the client's and the backend's), driven through its life:
/// what each peer receives is what a user's client and backend would see.
/// </summary>
public sealed class TunnelLifecycleTests
{
    private static readonly TimeSpan Read = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_close_requested_during_the_handshake_happens_right_after_the_101()
    {
        await using var t = await TestTunnel.StartAsync(open: false);
        _ = t.Tunnel.CloseAsync(CloseFrame.GoingAway, "endpoint draining", GatewayCloseReason.Drain);
        Assert.Equal(TunnelState.Handshaking, t.Tunnel.State);
        Assert.True(t.Tunnel.IsClosing);

        t.Open();

        Assert.Equal(1001, await t.Client.ReadCloseCodeAsync(Read));
        Assert.Equal(1001, await t.Backend.ReadCloseCodeAsync(Read));
        Assert.Equal(GatewayCloseReason.Drain, t.Tunnel.ClosedBy);
    }

    [Fact]
    public async Task Close_is_idempotent_each_peer_gets_one_close_and_the_slot_is_released_once()
    {
        await using var t = await TestTunnel.StartAsync();
        var released = 0;
        t.Registry.Released += _ => Interlocked.Increment(ref released);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => t.Tunnel.CloseAsync(CloseFrame.GoingAway, "x", GatewayCloseReason.Drain))));
        Assert.Equal(1001, await t.Client.ReadCloseCodeAsync(Read));
        Assert.Equal(1001, await t.Backend.ReadCloseCodeAsync(Read));
        // The peers answer and leave; nothing but the end follows the one Close.
        await t.Client.Peer.WriteAsync(CloseFrame.Build(1001, "", masked: true));
        await t.Backend.Peer.WriteAsync(CloseFrame.Build(1001, "", masked: false));
        Assert.True(await t.Client.EndsWithinAsync(Read));
        Assert.True(await t.Backend.EndsWithinAsync(Read));
        await t.Tunnel.Completion.WaitAsync(Read);

        Parallel.For(0, 4, _ => t.Registry.Release(t.Tunnel));
        Assert.Equal(1, released);
        Assert.Equal(0, t.Registry.Count);
        Assert.Equal(0, t.Registry.ActiveOnRoute(TestTunnel.Route));
        Assert.Equal(TunnelState.Closed, t.Tunnel.State);
    }

    [Fact]
    public async Task A_pump_failure_ends_both_sides_and_is_recorded()
    {
        await using var t = await TestTunnel.StartAsync(open: false);
        t.Tunnel.AttachClient(new FailingStream(), detached: true);
        t.Tunnel.AttachBackend(t.Backend.Gateway);

        // Completes instead of faulting: whoever waits on it always counts and releases the tunnel.
        await t.Tunnel.Completion.WaitAsync(Read);
        Assert.IsType<InvalidOperationException>(t.Tunnel.Fault);
        Assert.Equal(1001, await t.Backend.ReadCloseCodeAsync(Read));
        Assert.True(await t.Backend.EndsWithinAsync(Read));
        Assert.Equal(TunnelState.Closing, t.Tunnel.State);
    }

    [Fact]
    public async Task Peers_that_never_answer_the_close_are_cut_after_the_reply_wait()
    {
        await using var t = await TestTunnel.StartAsync(new TunnelOptions { CloseReplyWait = TimeSpan.FromMilliseconds(500) });
        var started = DateTime.UtcNow;
        _ = t.Tunnel.CloseAsync(CloseFrame.GoingAway, "idle timeout", GatewayCloseReason.IdleTimeout);

        Assert.Equal(1001, await t.Client.ReadCloseCodeAsync(Read));
        Assert.Equal(1001, await t.Backend.ReadCloseCodeAsync(Read));
        Assert.True(await t.Client.EndsWithinAsync(Read));
        Assert.True(await t.Backend.EndsWithinAsync(Read));
        await t.Tunnel.Completion.WaitAsync(Read);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(450), "cut before the reply wait");
    }

    [Fact]
    public async Task A_peer_close_that_is_never_answered_does_not_exempt_the_tunnel_from_a_later_close()
    {
        await using var t = await TestTunnel.StartAsync(new TunnelOptions { CloseReplyWait = TimeSpan.FromMilliseconds(300) });
        await t.Backend.Peer.WriteAsync(CloseFrame.Build(1000, "bye", masked: false));
        Assert.Equal(1000, await t.Client.ReadCloseCodeAsync(Read)); // the client never answers it

        Assert.False(t.Tunnel.IsClosing); // the idle sweeper and drains still see it
        await t.Tunnel.CloseAsync(CloseFrame.GoingAway, "idle timeout", GatewayCloseReason.IdleTimeout);

        // The backend, which had no Close yet, gets one; the client no second one; both are ended after the reply wait.
        Assert.Equal(1001, await t.Backend.ReadCloseCodeAsync(Read));
        Assert.True(await t.Client.EndsWithinAsync(Read));
        Assert.True(await t.Backend.EndsWithinAsync(Read));
        Assert.Null(t.Tunnel.ClosedBy); // counted as the backend's graceful close, which it was
    }

    [Fact]
    public async Task A_peer_stalled_mid_frame_gets_a_tcp_close_and_the_other_its_close_within_the_boundary_wait()
    {
        // The reply wait is long: the tunnel must end through the boundary wait alone.
        await using var t = await TestTunnel.StartAsync(new TunnelOptions { CloseBoundaryWait = TimeSpan.FromMilliseconds(500), CloseReplyWait = TimeSpan.FromSeconds(60) });
        var frame = FrameFactory.Build(new Random(1), 0x2, fin: true, 1000, masked: true).Bytes;
        await t.Client.Peer.WriteAsync(frame.AsMemory(0, 100)); // then the client stalls, mid-frame towards the backend
        await ReceivedAsync(t.Backend, 100);

        var started = DateTime.UtcNow;
        _ = t.Tunnel.CloseAsync(CloseFrame.GoingAway, "endpoint draining", GatewayCloseReason.Drain);

        // The client's direction is between frames: it gets its Close, then the end.
        Assert.Equal(1001, await t.Client.ReadCloseCodeAsync(Read));
        Assert.True(await t.Client.EndsWithinAsync(Read));
        // The backend is mid-frame: a Close would corrupt that frame, so it gets a clean TCP close, no more bytes.
        Assert.True(await t.Backend.EndsWithinAsync(Read));
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.4, 5);
        Assert.False(t.Tunnel.Backend!.CloseSent);
    }

    [Fact]
    public async Task A_client_that_vanishes_without_a_close_gets_its_backend_a_close_1001()
    {
        await using var t = await TestTunnel.StartAsync();
        await t.Client.Peer.WriteAsync(FrameFactory.Build(new Random(2), 0x1, fin: true, 20, masked: true).Bytes);
        await ReceivedAsync(t.Backend, 26);

        t.Client.ClosePeer(); // no Close frame, just gone

        Assert.Equal(1001, await t.Backend.ReadCloseCodeAsync(Read));
        Assert.True(await t.Backend.EndsWithinAsync(Read));
    }

    [Fact]
    public async Task A_client_that_closes_properly_gets_no_extra_close_sent_to_its_backend()
    {
        await using var t = await TestTunnel.StartAsync();
        await t.Client.Peer.WriteAsync(CloseFrame.Build(1000, "bye", masked: true));
        var (opcode, payload, _) = await t.Backend.ReadFrameAsync(Read);
        Assert.Equal((0x8, 1000), (opcode, (payload[0] << 8) | payload[1]));

        t.Client.ClosePeer();

        Assert.True(await t.Backend.EndsWithinAsync(Read));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_frame_that_breaks_the_protocol_fails_the_tunnel_with_1002_to_the_sender_and_1001_to_the_other(bool fromClient)
    {
        await using var t = await TestTunnel.StartAsync();
        var (sender, receiver) = fromClient ? (t.Client, t.Backend) : (t.Backend, t.Client);
        var good = FrameFactory.Build(new Random(3), 0x1, fin: true, 10, masked: fromClient).Bytes;
        // A 64-bit length with the top bit set: nobody can tell where this frame ends.
        byte[] bad = [0x82, (byte)((fromClient ? 0x80 : 0) | 127), 0x80, 0, 0, 0, 0, 0, 0, 1, .. (fromClient ? new byte[4] : [])];
        await sender.Peer.WriteAsync((byte[])[.. good, .. bad, 1, 2, 3]);

        var (opcode, payload, _) = await receiver.ReadFrameAsync(Read);
        Assert.Equal(0x1, opcode); // the good frame went through
        Assert.Equal(10, payload.Length);
        Assert.Equal(1001, await receiver.ReadCloseCodeAsync(Read)); // then a Close, not the bad bytes
        Assert.Equal(1002, await sender.ReadCloseCodeAsync(Read));
        Assert.True(await receiver.EndsWithinAsync(Read));
        Assert.True(await sender.EndsWithinAsync(Read));
        Assert.Equal(FrameViolation.LengthTooLarge, t.Tunnel.Violation);
        Assert.Equal(fromClient, t.Tunnel.ViolationByClient);
    }

    [Fact]
    public async Task A_plain_byte_tunnel_passes_every_byte_and_is_closed_without_any_frame()
    {
        await using var t = await TestTunnel.StartAsync(framed: false);
        // Bytes a frame tracker would read as an unmasked Close and a bad header: passed as they are.
        byte[] data = [0x88, 0x02, 0x03, 0xE8, 0xFF, 0x7F, 0x80, 0x00];
        await t.Client.Peer.WriteAsync(data);
        Assert.Equal(data, await ReceivedAsync(t.Backend, data.Length));

        await t.Tunnel.CloseAsync(CloseFrame.GoingAway, "endpoint draining", GatewayCloseReason.Drain);

        Assert.True(await t.Client.EndsWithinAsync(Read));
        Assert.True(await t.Backend.EndsWithinAsync(Read));
        Assert.False(t.Tunnel.Client!.CloseSent);
        Assert.False(t.Tunnel.Backend!.CloseSent);
    }

    private static async Task<byte[]> ReceivedAsync(SocketPair pair, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(Read);
        await pair.Peer.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    /// <summary>A client side whose reads fail with an error no pump expects.</summary>
    private sealed class FailingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new InvalidOperationException("unexpected"));
    }
}

/// <summary>A reserved tunnel with a real client connection and a real backend connection.</summary>
internal sealed class TestTunnel : IAsyncDisposable
{
    public const string Route = "default/route";

    private TestTunnel(ConnectionRegistry registry, Tunnel tunnel, SocketPair client, SocketPair backend)
    {
        Registry = registry;
        Tunnel = tunnel;
        Client = client;
        Backend = backend;
    }

    public ConnectionRegistry Registry { get; }

    public Tunnel Tunnel { get; }

    public SocketPair Client { get; }

    public SocketPair Backend { get; }

    public static async Task<TestTunnel> StartAsync(TunnelOptions? options = null, bool framed = true, bool open = true)
    {
        var registry = new ConnectionRegistry(options ?? new TunnelOptions(), TimeProvider.System);
        var tunnel = registry.TryReserve(Route, "127.0.0.1:9")!;
        tunnel.BeginHandshake(framed);
        var t = new TestTunnel(registry, tunnel, await SocketPair.CreateAsync(), await SocketPair.CreateAsync());
        if (open)
        {
            t.Open();
        }

        return t;
    }

    /// <summary>What YARP does on a 101: the client side, then the backend side.</summary>
    public void Open()
    {
        Tunnel.AttachClient(Client.Gateway, detached: true);
        Tunnel.AttachBackend(Backend.Gateway);
    }

    public async ValueTask DisposeAsync()
    {
        Tunnel.Abort();
        await Tunnel.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Registry.Release(Tunnel);
        Client.Dispose();
        Backend.Dispose();
    }
}
