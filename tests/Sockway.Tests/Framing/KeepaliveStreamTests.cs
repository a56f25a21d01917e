using Sockway.Gateway.Framing;
using Sockway.Gateway.Keepalive;
using Xunit;

namespace Sockway.Tests.Framing;

/// <summary>
/// The keepalive write path of a tracked stream, byte for byte: a Ping goes in only at a frame boundary, Pongs
/// echoing Sockway's Ping payload are dropped however they are split across writes, and every other Pong passes.
/// </summary>
public sealed class KeepaliveStreamTests
{
    private readonly KeepaliveClock _clock = new();

    [Fact]
    public async Task A_pong_answering_sockways_ping_is_dropped_however_it_is_split_and_the_peers_own_pongs_pass()
    {
        var random = new Random(3);
        var peer = new CaptureStream();
        using var stream = new TrackedStream(peer, peerIsServer: true, keepalive: _clock);
        // What a client writes towards the backend: data, the Pong answering Sockway's Ping to the client, a Pong of its own, data.
        var ours = Masked(Answer(PingFrame.Build(masked: false)));
        var text = FrameFactory.Build(random, 0x1, fin: true, 300, masked: true).Bytes;
        var theirs = FrameFactory.Build(random, 0xA, fin: true, 8, masked: true).Bytes;
        byte[] all = [.. text, .. ours, .. theirs, .. text];

        for (var split = 1; split < all.Length; split += 7)
        {
            await stream.WriteAsync(all.AsMemory(0, split));
            await stream.WriteAsync(all.AsMemory(split));
        }

        byte[] once = [.. text, .. theirs, .. text];
        var expected = Enumerable.Repeat(once, (all.Length - 2) / 7 + 1).SelectMany(b => b).ToArray();
        Assert.Equal(expected, peer.Written);
        Assert.Equal(FrameViolation.None, stream.Outgoing.Violation);
        Assert.True(stream.PongsDropped > 0);
    }

    [Fact]
    public async Task A_pong_with_the_token_but_unmasked_from_a_client_is_not_sockways_and_breaks_the_protocol()
    {
        var peer = new CaptureStream();
        using var stream = new TrackedStream(peer, peerIsServer: true, keepalive: _clock);
        var unmasked = Answer(PingFrame.Build(masked: false));

        await Assert.ThrowsAsync<FrameViolationException>(() => stream.WriteAsync(unmasked).AsTask());
        Assert.Empty(peer.Written);
        Assert.Equal(FrameViolation.UnmaskedClientFrame, stream.Outgoing.Violation);
    }

    [Fact]
    public async Task A_ping_asked_for_mid_frame_goes_out_at_the_next_boundary()
    {
        var random = new Random(4);
        var peer = new CaptureStream();
        using var stream = new TrackedStream(peer, peerIsServer: false, keepalive: _clock);
        var first = FrameFactory.Build(random, 0x1, fin: false, 5000, masked: false).Bytes;
        var last = FrameFactory.Build(random, 0x0, fin: true, 10, masked: false).Bytes;

        await stream.WriteAsync(first.AsMemory(0, 100));
        await stream.PingAsync(TimeSpan.FromSeconds(5));
        Assert.True(stream.PingPending);
        Assert.False(stream.PingWritten);
        await stream.WriteAsync(first.AsMemory(100));
        await stream.WriteAsync(last);

        var written = peer.Written;
        Assert.Equal(first, written[..first.Length]);
        Assert.Equal(0x89, written[first.Length]);
        Assert.Equal(last, written[(first.Length + 2 + PingFrame.PayloadLength)..]);
        Assert.True(stream.PingWritten);
        Assert.False(stream.PingPending);
    }

    [Fact]
    public async Task A_ping_between_frames_goes_out_at_once()
    {
        var peer = new CaptureStream();
        using var stream = new TrackedStream(peer, peerIsServer: true, keepalive: _clock);

        await stream.PingAsync(TimeSpan.FromSeconds(5));

        Assert.True(stream.PingWritten);
        Assert.Equal(0x89, peer.Written[0]);
        Assert.Equal(0x80 | PingFrame.PayloadLength, peer.Written[1]);
    }

    /// <summary>The Pong a peer sends back: the Ping's payload, unmasked.</summary>
    private static byte[] Answer(byte[] unmaskedPing) => [0x8A, (byte)PingFrame.PayloadLength, .. unmaskedPing.AsSpan(2)];

    private static byte[] Masked(byte[] unmasked)
    {
        var payload = unmasked.AsSpan(2).ToArray();
        var frame = new byte[6 + payload.Length];
        frame[0] = unmasked[0];
        frame[1] = (byte)(0x80 | payload.Length);
        FrameMask.Apply(frame.AsSpan(2, 4), payload);
        payload.CopyTo(frame.AsSpan(6));
        return frame;
    }
}
