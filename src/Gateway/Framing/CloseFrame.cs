using System.Buffers.Binary;
using System.Text;

namespace Sockway.Gateway.Framing;

/// <summary>Builds RFC 6455 Close frames: unmasked towards a client, masked towards a server.</summary>
public static class CloseFrame
{
    /// <summary>1001: the endpoint is going away (drain, shutdown).</summary>
    public const ushort GoingAway = 1001;

    /// <summary>1002: the peer broke RFC 6455.</summary>
    public const ushort ProtocolError = 1002;

    /// <summary>1009: a frame or message over the route's size limit.</summary>
    public const ushort MessageTooBig = 1009;

    /// <summary>1012: service restart; reconnect (rebalancing).</summary>
    public const ushort ServiceRestart = 1012;

    public static byte[] Build(ushort code, string reason, bool masked)
    {
        // Control frame payloads are at most 125 bytes: 2 for the code, the rest for the reason.
        var reasonBytes = Encoding.UTF8.GetBytes(reason);
        if (reasonBytes.Length > 123)
        {
            reasonBytes = reasonBytes[..123];
        }

        var payloadLength = 2 + reasonBytes.Length;
        var headerLength = masked ? 6 : 2;
        var frame = new byte[headerLength + payloadLength];
        frame[0] = 0x88; // FIN + Close
        frame[1] = (byte)((masked ? 0x80 : 0) | payloadLength);
        var payload = frame.AsSpan(headerLength);
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        reasonBytes.CopyTo(payload[2..]);
        if (masked)
        {
            FrameMask.Apply(frame.AsSpan(2, 4), payload);
        }

        return frame;
    }
}
