using System.Security.Cryptography;

namespace Sockway.Gateway.Keepalive;

/// <summary>
/// Sockway's own Ping frames. Their payload is a random token drawn once per process, so the Pongs that answer them
/// (RFC 6455 §5.5.3: a Pong echoes its Ping's payload) are told apart from the peers' own and are not forwarded.
/// </summary>
public static class PingFrame
{
    public const int PayloadLength = 8;

    // Whole Pong frames carrying the token: unmasked 2 + 8, masked 6 + 8.
    private const int MaxFrameLength = 6 + PayloadLength;

    private static readonly byte[] Token = RandomNumberGenerator.GetBytes(PayloadLength);

    /// <summary>A Ping carrying the token: unmasked towards a client, masked (with a fresh key) towards a server.</summary>
    public static byte[] Build(bool masked)
    {
        var headerLength = masked ? 6 : 2;
        var frame = new byte[headerLength + PayloadLength];
        frame[0] = 0x89; // FIN + Ping
        frame[1] = (byte)((masked ? 0x80 : 0) | PayloadLength);
        var payload = frame.AsSpan(headerLength);
        Token.CopyTo(payload);
        if (masked)
        {
            Framing.FrameMask.Apply(frame.AsSpan(2, 4), payload);
        }

        return frame;
    }

    /// <summary>
    /// How long the Pong frame starting <paramref name="frame"/> is, once its first two bytes are known (0 before);
    /// and, for a length no control frame may have, just its header (the frame tracker rejects it whole).
    /// </summary>
    public static int PongLength(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 2)
        {
            return 0;
        }

        var mask = (frame[1] & 0x80) != 0 ? 4 : 0;
        return (frame[1] & 0x7F) switch
        {
            126 => 4 + mask,
            127 => 10 + mask,
            var length => 2 + mask + length,
        };
    }

    /// <summary>True for a whole Pong frame answering one of Sockway's Pings, masked as <paramref name="masked"/> says its sender must.</summary>
    public static bool IsAnswer(ReadOnlySpan<byte> frame, bool masked)
    {
        if (frame.Length > MaxFrameLength || (frame[1] & 0x7F) != PayloadLength || ((frame[1] & 0x80) != 0) != masked)
        {
            return false;
        }

        var headerLength = masked ? 6 : 2;
        var payload = frame[headerLength..];
        for (var i = 0; i < PayloadLength; i++)
        {
            var b = masked ? (byte)(payload[i] ^ frame[2 + (i & 3)]) : payload[i];
            if (b != Token[i])
            {
                return false;
            }
        }

        return true;
    }
}
