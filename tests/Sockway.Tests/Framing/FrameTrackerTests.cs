using Sockway.Gateway.Framing;
using Xunit;

namespace Sockway.Tests.Framing;

/// <summary>
/// Property and fuzz tests of frame tracking: bytes pass through untouched whatever the TCP split, and an injected
/// Close lands exactly between two frames — the first boundary at or after the moment it was asked for.
/// </summary>
public sealed class FrameTrackerTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public async Task Bytes_pass_unchanged_at_every_split_offset(int seed, bool masked)
    {
        var random = new Random(seed);
        var frames = FrameFactory.RandomSequence(random, messages: 6, masked, maxPayload: 300);
        var input = frames.SelectMany(f => f.Bytes).ToArray();

        // Every offset at which a TCP segment could end, as two writes; plus one byte at a time.
        for (var split = 0; split <= input.Length; split++)
        {
            var peer = new CaptureStream();
            var tracked = new TrackedStream(peer, peerIsServer: masked);
            await tracked.WriteAsync(input.AsMemory(0, split));
            await tracked.WriteAsync(input.AsMemory(split));
            Assert.Equal(input, peer.Written);
            Assert.True(tracked.Outgoing.AtBoundary);
        }

        var bytewise = new CaptureStream();
        var trackedBytewise = new TrackedStream(bytewise, peerIsServer: masked);
        for (var i = 0; i < input.Length; i++)
        {
            await trackedBytewise.WriteAsync(input.AsMemory(i, 1));
        }

        Assert.Equal(input, bytewise.Written);
        Assert.Equal(frames.Count(f => (f.Bytes[0] & 0x80) != 0 && (f.Bytes[0] & 0x0F) < 0x8), trackedBytewise.Outgoing.Messages);
    }

    [Fact]
    public async Task Fuzz_an_injected_close_never_lands_inside_a_frame()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var masked = random.Next(2) == 0;
            var frames = FrameFactory.RandomSequence(random, messages: random.Next(1, 8), masked);
            var input = frames.SelectMany(f => f.Bytes).ToArray();
            var boundaries = Boundaries(frames);
            var peer = new CaptureStream();
            var tracked = new TrackedStream(peer, peerIsServer: masked);
            var closeAt = random.Next(0, input.Length + 1);
            var offset = 0;
            var requested = false;
            while (offset < input.Length)
            {
                if (!requested && offset >= closeAt)
                {
                    await tracked.SendCloseAsync(CloseFrame.GoingAway, "fuzz");
                    requested = true;
                    closeAt = offset;
                }

                var chunk = Math.Min(input.Length - offset, random.Next(1, 9000));
                await tracked.WriteAsync(input.AsMemory(offset, chunk));
                offset += chunk;
            }

            if (!requested)
            {
                await tracked.SendCloseAsync(CloseFrame.GoingAway, "fuzz");
                closeAt = input.Length;
            }

            var written = peer.Written;
            var expectedCut = boundaries.First(b => b >= closeAt);
            Assert.True(written.AsSpan(0, expectedCut).SequenceEqual(input.AsSpan(0, expectedCut)), $"seed {seed}: bytes before the Close changed");
            var close = written.AsSpan(expectedCut);
            Assert.Equal(masked ? 6 + 2 + 4 : 2 + 2 + 4, close.Length);
            Assert.Equal(0x88, close[0]);
            Assert.Equal(masked, (close[1] & 0x80) != 0);
            Assert.Equal(1001, CloseCode(close.ToArray(), masked));
            Assert.True(tracked.CloseSent);
        }
    }

    [Fact]
    public async Task Close_goes_out_at_once_when_the_writer_is_between_frames_and_nothing_follows_it()
    {
        var random = new Random(7);
        var first = FrameFactory.Build(random, 0x1, fin: true, 10, masked: false).Bytes;
        var peer = new CaptureStream();
        var tracked = new TrackedStream(peer, peerIsServer: false);
        await tracked.WriteAsync(first);

        await tracked.SendCloseAsync(CloseFrame.ServiceRestart, "rebalancing");
        await tracked.WriteAsync(FrameFactory.Build(random, 0x1, fin: true, 10, masked: false).Bytes);

        var written = peer.Written;
        Assert.Equal(first, written[..first.Length]);
        Assert.Equal(1012, CloseCode(written[first.Length..], masked: false));
        Assert.Equal("rebalancing", System.Text.Encoding.UTF8.GetString(written, first.Length + 4, written.Length - first.Length - 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_the_close_code_of_a_peers_close_frame_even_split_byte_by_byte(bool masked)
    {
        var frame = CloseFrame.Build(4001, "bye", masked);
        var tracker = new FrameTracker();
        tracker.Observe(FrameFactory.Build(new Random(1), 0x1, fin: true, 300, masked).Bytes);
        foreach (var b in frame)
        {
            tracker.Observe([b]);
        }

        Assert.True(tracker.SawClose);
        Assert.Equal(4001, tracker.CloseCode);
        Assert.True(tracker.AtBoundary);
        Assert.Equal(1, tracker.Messages);
    }

    private static List<int> Boundaries(List<FrameFactory.Frame> frames)
    {
        var list = new List<int> { 0 };
        foreach (var frame in frames)
        {
            list.Add(list[^1] + frame.Bytes.Length);
        }

        return list;
    }

    private static int CloseCode(byte[] frame, bool masked)
    {
        var payload = frame.AsSpan(masked ? 6 : 2).ToArray();
        if (masked)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= frame[2 + (i & 3)];
            }
        }

        return (payload[0] << 8) | payload[1];
    }
}
