using Sockway.Gateway.Framing;
using Xunit;

namespace Sockway.Tests.Framing;

/// <summary>
/// Frame headers that break RFC 6455 §5: each is caught at its header, nothing of it is consumed (so nothing of it is
/// forwarded), and the bytes before it still count. Directions: towards a server frames must be masked, towards a
/// client they must not be.
/// </summary>
public sealed class FrameViolationTests
{
    public static TheoryData<string, byte[], bool, FrameViolation> Cases => new()
    {
        { "64-bit length with the top bit set", [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4], true, FrameViolation.LengthTooLarge },
        { "64-bit length 2^64-1", [0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], false, FrameViolation.LengthTooLarge },
        { "RSV1 without an extension", [0xC1, 0x80, 1, 2, 3, 4], true, FrameViolation.ReservedBits },
        { "RSV2", [0xA1, 0x00], false, FrameViolation.ReservedBits },
        { "RSV3", [0x91, 0x00], false, FrameViolation.ReservedBits },
        { "reserved data opcode 0x3", [0x83, 0x80, 1, 2, 3, 4], true, FrameViolation.ReservedOpcode },
        { "reserved data opcode 0x7", [0x87, 0x00], false, FrameViolation.ReservedOpcode },
        { "reserved control opcode 0xB", [0x8B, 0x00], false, FrameViolation.ReservedOpcode },
        { "reserved control opcode 0xF", [0x8F, 0x80, 1, 2, 3, 4], true, FrameViolation.ReservedOpcode },
        { "unmasked frame to a server", [0x81, 0x01, 0x41], true, FrameViolation.UnmaskedClientFrame },
        { "masked frame to a client", [0x81, 0x81, 1, 2, 3, 4, 0x41], false, FrameViolation.MaskedServerFrame },
        { "fragmented ping", [0x09, 0x00], false, FrameViolation.FragmentedControlFrame },
        { "fragmented close", [0x08, 0x80, 1, 2, 3, 4], true, FrameViolation.FragmentedControlFrame },
        { "ping of 126 bytes", [0x89, 0x7E, 0x00, 0x7E], false, FrameViolation.ControlFrameTooLong },
        { "pong with a 64-bit length of 200", [0x8A, 0xFF, 0, 0, 0, 0, 0, 0, 0, 200, 1, 2, 3, 4], true, FrameViolation.ControlFrameTooLong },
        { "close with a one-byte body", [0x88, 0x01, 0x03], false, FrameViolation.CloseBodyTooShort },
        { "continuation with no message started", [0x80, 0x00], false, FrameViolation.UnexpectedContinuation },
        { "new text frame inside a fragmented message", [0x01, 0x00, 0x81, 0x00], false, FrameViolation.UnfinishedMessage },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_header_is_caught_at_its_first_byte_after_valid_frames(string name, byte[] bad, bool towardsServer, FrameViolation expected)
    {
        var good = FrameFactory.Build(new Random(1), 0x2, fin: true, 200, towardsServer).Bytes;
        var tracker = new FrameTracker(expectMasked: towardsServer, allowReservedBits: false);
        byte[] input = [.. good, .. bad, .. good];
        // A fragmented-message case breaks at its second frame: valid bytes are everything before the offending header.
        var validBefore = expected == FrameViolation.UnfinishedMessage ? good.Length + 2 : good.Length;

        var valid = tracker.Observe(input);

        Assert.True(expected == tracker.Violation, name);
        Assert.Equal(validBefore, valid);
        Assert.True(tracker.AtBoundary, "the header began in this chunk: the peer has seen whole frames only");
        Assert.Equal(0, tracker.Observe(good)); // nothing more is consumed after a violation
        Assert.Equal(validBefore, tracker.Bytes);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_header_split_byte_by_byte_is_caught_too(string name, byte[] bad, bool towardsServer, FrameViolation expected)
    {
        var tracker = new FrameTracker(expectMasked: towardsServer, allowReservedBits: false);
        var consumed = 0;
        foreach (var b in bad)
        {
            consumed += tracker.Observe([b]);
            if (tracker.Violation != FrameViolation.None)
            {
                break;
            }
        }

        Assert.True(expected == tracker.Violation, name);
    }

    [Fact]
    public void Reserved_bits_pass_when_the_handshake_negotiated_an_extension()
    {
        var tracker = new FrameTracker(expectMasked: false, allowReservedBits: true);
        Assert.Equal(3, tracker.Observe([0xC1, 0x01, 0x41])); // permessage-deflate sets RSV1 on compressed messages
        Assert.Equal(FrameViolation.None, tracker.Violation);
        Assert.Equal(1, tracker.Messages);
    }

    [Fact]
    public async Task A_tracked_stream_forwards_the_bytes_before_a_bad_frame_and_then_fails_the_write()
    {
        var good = FrameFactory.Build(new Random(2), 0x1, fin: true, 30, masked: false).Bytes;
        var peer = new CaptureStream();
        var tracked = new TrackedStream(peer, peerIsServer: false);

        var error = await Assert.ThrowsAsync<FrameViolationException>(async () => await tracked.WriteAsync(new byte[][] { good, [0x83, 0x00], good }.SelectMany(b => b).ToArray()));

        Assert.Equal(FrameViolation.ReservedOpcode, error.Violation);
        Assert.Equal(good, peer.Written);
        // Between frames: Sockway can still tell this peer why with a Close of its own.
        await tracked.SendCloseAsync(1001, "peer protocol error");
        Assert.Equal(0x88, peer.Written[good.Length]);
    }

    [Fact]
    public void Fuzz_random_bytes_never_break_the_tracker_and_never_count_past_a_violation()
    {
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            var tracker = new FrameTracker(expectMasked: random.Next(2) == 0 ? null : random.Next(2) == 0, allowReservedBits: random.Next(2) == 0);
            var offset = 0;
            while (offset < bytes.Length)
            {
                var chunk = Math.Min(bytes.Length - offset, random.Next(1, 40));
                var valid = tracker.Observe(bytes.AsSpan(offset, chunk));
                Assert.InRange(valid, 0, chunk);
                if (valid < chunk)
                {
                    Assert.NotEqual(FrameViolation.None, tracker.Violation);
                    break;
                }

                offset += chunk;
            }

            Assert.InRange(tracker.Bytes, 0, bytes.Length);
        }
    }
}
