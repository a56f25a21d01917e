using System.Buffers.Binary;

namespace Sockway.Tests.Framing;

/// <summary>Generates random but valid RFC 6455 frame sequences: fragmented messages with control frames between fragments.</summary>
internal static class FrameFactory
{
    public sealed record Frame(byte[] Bytes, bool IsClose);

    public static List<Frame> RandomSequence(Random random, int messages, bool masked, int maxPayload = 70_000)
    {
        var frames = new List<Frame>();
        for (var m = 0; m < messages; m++)
        {
            var fragments = random.Next(1, 4);
            for (var f = 0; f < fragments; f++)
            {
                var opcode = f == 0 ? (byte)(random.Next(2) == 0 ? 0x1 : 0x2) : (byte)0x0;
                frames.Add(Build(random, opcode, fin: f == fragments - 1, PayloadSize(random, maxPayload), masked));
                if (random.Next(4) == 0)
                {
                    // Ping or pong between fragments: legal, and exactly where naive trackers go wrong.
                    frames.Add(Build(random, random.Next(2) == 0 ? (byte)0x9 : (byte)0xA, fin: true, random.Next(0, 126), masked));
                }
            }
        }

        return frames;
    }

    public static Frame Build(Random random, byte opcode, bool fin, int payloadLength, bool masked)
    {
        var extended = payloadLength < 126 ? 0 : payloadLength <= ushort.MaxValue ? 2 : 8;
        var header = 2 + extended + (masked ? 4 : 0);
        var bytes = new byte[header + payloadLength];
        bytes[0] = (byte)((fin ? 0x80 : 0) | opcode);
        bytes[1] = (byte)((masked ? 0x80 : 0) | (extended == 0 ? payloadLength : extended == 2 ? 126 : 127));
        if (extended == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)payloadLength);
        }
        else if (extended == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(2), (ulong)payloadLength);
        }

        random.NextBytes(bytes.AsSpan(2 + extended));
        // Payload bytes that look like frame headers must not confuse the tracker.
        if (payloadLength > 0)
        {
            bytes[^1] = 0x88;
        }

        return new Frame(bytes, opcode == 0x8);
    }

    private static int PayloadSize(Random random, int max) => random.Next(6) switch
    {
        0 => 0,
        1 => random.Next(1, 126),
        2 => 125 + random.Next(0, 3),
        3 => random.Next(126, Math.Min(max, ushort.MaxValue) + 1),
        4 => ushort.MaxValue + random.Next(0, 2),
        _ => random.Next(0, max),
    };
}
