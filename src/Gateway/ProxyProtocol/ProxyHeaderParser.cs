using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sockway.Gateway.ProxyProtocol;

/// <summary>
/// Parses a PROXY protocol header (haproxy's proxy-protocol.txt, v1 text and v2 binary) from the start of a
/// connection's input, as it arrives: the caller feeds it what it has buffered and it says wait, refuse, or how many
/// bytes the header took. Pure and allocation-free until it has a whole header; reads the pipe's own segments, copying
/// only the fixed fields (at most 107 or 52 bytes, on the stack) when a header straddles segments.
/// Strict: a byte the grammar does not allow refuses the connection, since the next thing read would be HTTP.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>v1: "PROXY " + the longest TCP6 line + CRLF is 107 bytes (the spec's bound).</summary>
    public const int MaxV1Length = 107;

    /// <summary>v2: 16 fixed bytes and up to this many in all; real load balancers send far less (addresses + a few TLVs).</summary>
    public const int MaxV2Length = 4096;

    private const int V2Fixed = 16;
    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyHeader Parse(in ReadOnlySequence<byte> input)
    {
        if (input.IsEmpty)
        {
            return ProxyHeader.NeedMore;
        }

        var first = input.FirstSpan[0];
        return first == V1Signature[0] ? ParseV1(input) : first == V2Signature[0] ? ParseV2(input) : ProxyHeader.Refuse(ProxyRejection.Missing, "no PROXY protocol header");
    }

    private static bool StartsWithSignature(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> signature, out bool complete)
    {
        Span<byte> head = stackalloc byte[16];
        var length = (int)Math.Min(input.Length, signature.Length);
        input.Slice(0, length).CopyTo(head);
        complete = length == signature.Length;
        return head[..length].SequenceEqual(signature[..length]);
    }

    private static ProxyHeader ParseV1(in ReadOnlySequence<byte> input)
    {
        if (!StartsWithSignature(input, V1Signature, out var signed))
        {
            return ProxyHeader.Refuse(ProxyRejection.Missing, "no PROXY protocol header");
        }

        if (!signed)
        {
            return ProxyHeader.NeedMore;
        }

        var available = (int)Math.Min(input.Length, MaxV1Length);
        Span<byte> copy = stackalloc byte[MaxV1Length];
        scoped ReadOnlySpan<byte> window;
        if (input.FirstSpan.Length >= available)
        {
            window = input.FirstSpan[..available];
        }
        else
        {
            input.Slice(0, available).CopyTo(copy);
            window = copy[..available];
        }

        var lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return available == MaxV1Length
                ? ProxyHeader.Refuse(ProxyRejection.TooLong, $"v1 header line longer than {MaxV1Length} bytes")
                : ProxyHeader.NeedMore;
        }

        if (lf < V1Signature.Length + 1 || window[lf - 1] != (byte)'\r')
        {
            return ProxyHeader.Refuse(ProxyRejection.Malformed, "v1 header line does not end with CRLF");
        }

        var line = window[V1Signature.Length..(lf - 1)];
        var source = ParseV1Line(line, out var problem);
        return problem is null ? ProxyHeader.Done(lf + 1, source) : ProxyHeader.Refuse(ProxyRejection.Malformed, problem);
    }

    // "TCP4 src dst sport dport", "TCP6 …", or "UNKNOWN" followed by anything (ignored, per the spec).
    private static IPEndPoint? ParseV1Line(ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        if (bytes.SequenceEqual("UNKNOWN"u8) || bytes.StartsWith("UNKNOWN "u8))
        {
            return null;
        }

        // Printable ASCII only: the line is read as text from here on.
        if (bytes.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0)
        {
            problem = "v1 header has a byte that is not printable ASCII";
            return null;
        }

        Span<char> chars = stackalloc char[MaxV1Length];
        var line = chars[..Encoding.ASCII.GetChars(bytes, chars)];
        Span<Range> parts = stackalloc Range[6];
        var count = ((ReadOnlySpan<char>)line).Split(parts, ' ');
        if (count != 5)
        {
            problem = "v1 header is not 'PROXY TCP4|TCP6 source destination sport dport' or 'PROXY UNKNOWN'";
            return null;
        }

        var protocol = line[parts[0]];
        var family = protocol.SequenceEqual("TCP4") ? AddressFamily.InterNetwork : protocol.SequenceEqual("TCP6") ? AddressFamily.InterNetworkV6 : AddressFamily.Unknown;
        if (family == AddressFamily.Unknown)
        {
            problem = "v1 protocol is not TCP4, TCP6 or UNKNOWN";
            return null;
        }

        if (ParseAddress(line[parts[1]], family) is not { } source || ParseAddress(line[parts[2]], family) is null)
        {
            problem = $"v1 address is not a {(family == AddressFamily.InterNetwork ? "dotted IPv4" : "IPv6")} address";
            return null;
        }

        if (ParsePort(line[parts[3]]) is not { } sourcePort || ParsePort(line[parts[4]]) is null)
        {
            problem = "v1 port is not a number 0-65535";
            return null;
        }

        return new IPEndPoint(source, sourcePort);
    }

    private static IPAddress? ParseAddress(ReadOnlySpan<char> text, AddressFamily family)
    {
        var allowed = family == AddressFamily.InterNetwork ? "0123456789." : "0123456789abcdefABCDEF:.";
        // IPAddress also reads "10" and "10.1" as IPv4, and scope ids ("%eth0") on IPv6: only plain addresses here.
        if (text.IsEmpty || text.Length > 45 || text.ContainsAnyExcept(allowed) || (family == AddressFamily.InterNetwork && text.Count('.') != 3))
        {
            return null;
        }

        return IPAddress.TryParse(text, out var address) && address.AddressFamily == family ? address : null;
    }

    private static int? ParsePort(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > 5 || (text.Length > 1 && text[0] == '0') || text.ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        var port = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return port <= 65535 ? port : null;
    }

    private static ProxyHeader ParseV2(in ReadOnlySequence<byte> input)
    {
        if (!StartsWithSignature(input, V2Signature, out var signed))
        {
            return ProxyHeader.Refuse(ProxyRejection.Missing, "no PROXY protocol header");
        }

        if (!signed || input.Length < V2Fixed)
        {
            return ProxyHeader.NeedMore;
        }

        // Fixed part and the longest address block (TCP6: 36 bytes).
        Span<byte> head = stackalloc byte[V2Fixed + 36];
        var headLength = (int)Math.Min(input.Length, head.Length);
        input.Slice(0, headLength).CopyTo(head);
        var versionCommand = head[12];
        var familyByte = head[13];
        var length = V2Fixed + BinaryPrimitives.ReadUInt16BigEndian(head[14..]);
        if (versionCommand >> 4 != 2)
        {
            return ProxyHeader.Refuse(ProxyRejection.Malformed, $"v2 version {versionCommand >> 4} (only 2 exists)");
        }

        var command = versionCommand & 0x0F;
        if (command > 1)
        {
            return ProxyHeader.Refuse(ProxyRejection.Malformed, $"v2 command {command} is neither LOCAL nor PROXY");
        }

        if (length > MaxV2Length)
        {
            return ProxyHeader.Refuse(ProxyRejection.TooLong, $"v2 header of {length} bytes, at most {MaxV2Length} are accepted");
        }

        // The family is checked before the whole header arrives, so a bad one is refused without waiting for it.
        var addressLength = familyByte switch
        {
            0x00 => 0, // UNSPEC
            0x11 => 12, // TCP over IPv4
            0x21 => 36, // TCP over IPv6
            0x31 => 216, // AF_UNIX stream
            _ => -1,
        };
        if (command == 1 && addressLength < 0)
        {
            return ProxyHeader.Refuse(ProxyRejection.Malformed, $"v2 family 0x{familyByte:x2} is not UNSPEC, TCP4, TCP6 or a UNIX stream");
        }

        if (command == 1 && length - V2Fixed < addressLength)
        {
            return ProxyHeader.Refuse(ProxyRejection.Malformed, $"v2 length {length - V2Fixed} is shorter than its family's {addressLength} address bytes");
        }

        if (input.Length < length)
        {
            return ProxyHeader.NeedMore;
        }

        // LOCAL (the load balancer speaking for itself: health checks) and UNSPEC: the block is skipped whole, per the spec.
        if (command == 0 || familyByte == 0x00)
        {
            return ProxyHeader.Done(length, null);
        }

        if (!TlvsAreWellFormed(input.Slice(V2Fixed + addressLength, length - V2Fixed - addressLength)))
        {
            return ProxyHeader.Refuse(ProxyRejection.Malformed, "v2 TLVs do not add up to the header's length");
        }

        var source = familyByte switch
        {
            0x11 => new IPEndPoint(new IPAddress(head.Slice(V2Fixed, 4)), BinaryPrimitives.ReadUInt16BigEndian(head[(V2Fixed + 8)..])),
            0x21 => new IPEndPoint(new IPAddress(head.Slice(V2Fixed, 16)), BinaryPrimitives.ReadUInt16BigEndian(head[(V2Fixed + 32)..])),
            _ => null,
        };
        return ProxyHeader.Done(length, source);
    }

    // Type (1 byte), length (2, big-endian), value; they must tile the rest exactly. Values are not interpreted.
    private static bool TlvsAreWellFormed(ReadOnlySequence<byte> tlvs)
    {
        var reader = new SequenceReader<byte>(tlvs);
        while (!reader.End)
        {
            if (!reader.TryRead(out _) || !reader.TryReadBigEndian(out short valueLength) || reader.Remaining < (ushort)valueLength)
            {
                return false;
            }

            reader.Advance((ushort)valueLength);
        }

        return true;
    }
}
