using System.Security.Cryptography;

namespace Sockway.Gateway.Framing;

/// <summary>RFC 6455 §5.3 masking of the frames Sockway writes towards a server.</summary>
public static class FrameMask
{
    /// <summary>Fills <paramref name="key"/> with a fresh random masking key and masks <paramref name="payload"/> with it.</summary>
    public static void Apply(Span<byte> key, Span<byte> payload)
    {
        RandomNumberGenerator.Fill(key);
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] ^= key[i & 3];
        }
    }
}
