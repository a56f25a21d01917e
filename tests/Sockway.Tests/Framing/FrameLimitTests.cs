using Sockway.Gateway.Configuration;
using Sockway.Gateway.Framing;
using Xunit;

namespace Sockway.Tests.Framing;

/// <summary>limits.maxFrameBytes / maxMessageBytes in the frame tracker: decided from headers, checked against a reference model.</summary>
public sealed class FrameLimitTests
{
    [Theory]
    [InlineData(100, 100, true)]
    [InlineData(100, 101, false)]
    [InlineData(100, 0, true)]
    public void A_single_frame_at_the_frame_limit_passes_and_one_over_fails(int maxFrame, int payload, bool passes)
    {
        var tracker = new FrameTracker(expectMasked: true, allowReservedBits: false, new MessageLimits(maxFrame, 1_000));
        var frame = FrameFactory.Build(new Random(1), 0x2, fin: true, payload, masked: true).Bytes;

        var valid = tracker.Observe(frame);

        Assert.Equal(passes ? frame.Length : 0, valid);
        Assert.Equal(passes ? FrameViolation.None : FrameViolation.FrameTooBig, tracker.Violation);
    }

    [Fact]
    public void The_size_is_decided_from_the_header_alone_before_any_payload_byte_arrives()
    {
        var tracker = new FrameTracker(expectMasked: false, allowReservedBits: false, new MessageLimits(MaxMessageBytes: 1 << 20));
        // A header announcing 2^40 bytes, and nothing of the payload.
        byte[] header = [0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0];

        Assert.Equal(0, tracker.Observe(header));
        Assert.Equal(FrameViolation.MessageTooBig, tracker.Violation);
        Assert.Equal(CloseFrame.MessageTooBig, tracker.Violation.CloseCode());
    }

    [Fact]
    public void Control_frames_between_fragments_do_not_count_towards_the_message()
    {
        var random = new Random(2);
        var tracker = new FrameTracker(expectMasked: true, allowReservedBits: false, new MessageLimits(10, 20));
        byte[] bytes =
        [
            .. FrameFactory.Build(random, 0x1, fin: false, 10, masked: true).Bytes,
            .. FrameFactory.Build(random, 0x9, fin: true, 125, masked: true).Bytes,
            .. FrameFactory.Build(random, 0x0, fin: true, 10, masked: true).Bytes,
            .. FrameFactory.Build(random, 0x1, fin: true, 10, masked: true).Bytes,
        ];

        Assert.Equal(bytes.Length, tracker.Observe(bytes));
        Assert.Equal(2, tracker.Messages);
    }

    /// <summary>Random frame sequences, fed in random chunks, against a model that sums payload lengths per message.</summary>
    [Fact]
    public void Random_frame_sequences_are_cut_exactly_where_the_reference_model_says()
    {
        var random = new Random(16);
        for (var run = 0; run < 400; run++)
        {
            long? maxFrame = random.Next(3) == 0 ? null : random.Next(0, 3000);
            long? maxMessage = random.Next(3) == 0 ? null : random.Next(0, 6000);
            var masked = random.Next(2) == 0;
            var frames = FrameFactory.RandomSequence(random, random.Next(1, 8), masked, maxPayload: 4000);
            var tracker = new FrameTracker(expectMasked: masked, allowReservedBits: false, new MessageLimits(maxFrame, maxMessage));

            var (expectedValid, expectedViolation) = Model(frames, maxFrame, maxMessage);
            var bytes = frames.SelectMany(f => f.Bytes).ToArray();
            var consumed = 0;
            while (consumed < bytes.Length && tracker.Violation == FrameViolation.None)
            {
                var chunk = Math.Min(bytes.Length - consumed, random.Next(1, 5000));
                var valid = tracker.Observe(bytes.AsSpan(consumed, chunk));
                consumed += valid;
                if (valid < chunk)
                {
                    break;
                }
            }

            Assert.True(expectedViolation == tracker.Violation, $"run {run}: expected {expectedViolation}, got {tracker.Violation} (limits {maxFrame}/{maxMessage})");
            if (expectedViolation != FrameViolation.None)
            {
                // What passed is everything before the offending frame's header (or less, when it began in an earlier chunk).
                Assert.True(consumed <= expectedValid && tracker.Bytes == consumed, $"run {run}: passed {consumed} of {expectedValid}");
            }
            else
            {
                Assert.Equal(bytes.Length, consumed);
            }
        }
    }

    /// <summary>The first data frame over either limit, and the bytes before its header.</summary>
    private static (int Valid, FrameViolation Violation) Model(List<FrameFactory.Frame> frames, long? maxFrame, long? maxMessage)
    {
        var offset = 0;
        long message = 0;
        foreach (var frame in frames)
        {
            var opcode = frame.Bytes[0] & 0x0F;
            var length = PayloadLength(frame.Bytes);
            if (opcode < 0x8)
            {
                var sum = (opcode == 0 ? message : 0) + length;
                if (length > maxFrame)
                {
                    return (offset, FrameViolation.FrameTooBig);
                }

                if (sum > maxMessage)
                {
                    return (offset, FrameViolation.MessageTooBig);
                }

                message = (frame.Bytes[0] & 0x80) != 0 ? 0 : sum;
            }

            offset += frame.Bytes.Length;
        }

        return (offset, FrameViolation.None);
    }

    private static long PayloadLength(byte[] frame) => (frame[1] & 0x7F) switch
    {
        126 => (frame[2] << 8) | frame[3],
        127 => (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(frame.AsSpan(2, 8)),
        var length => length,
    };
}
