using System.Buffers;
using System.Net;
using System.Text;
using Sockway.Gateway.ProxyProtocol;
using Xunit;

namespace Sockway.Tests.ProxyProtocol;

/// <summary>
/// The PROXY header parser on hand-built v1 and v2 headers, a corpus of garbage with the reason each is refused, every
/// split of valid headers into segments, and a bounded fuzz of random bytes and mutated headers.
/// </summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Http = "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray();

    public static TheoryData<string, byte[], string?, int> Valid => new()
    {
        { "v1 TCP4", ProxyHeaders.V1Tcp4("203.0.113.7", 56324), "203.0.113.7", 56324 },
        { "v1 TCP6", ProxyHeaders.V1Tcp6("2001:db8::7", 1), "2001:db8::7", 1 },
        { "v1 TCP6 longest", ProxyHeaders.V1("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535 },
        { "v1 TCP6 mapped", ProxyHeaders.V1Tcp6("::ffff:198.51.100.1", 0), "::ffff:198.51.100.1", 0 },
        { "v1 UNKNOWN", ProxyHeaders.V1("PROXY UNKNOWN\r\n"), null, 0 },
        { "v1 UNKNOWN with addresses", ProxyHeaders.V1("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n"), null, 0 },
        { "v2 TCP4", ProxyHeaders.V2(IPAddress.Parse("203.0.113.7"), 56324), "203.0.113.7", 56324 },
        { "v2 TCP6", ProxyHeaders.V2(IPAddress.Parse("2001:db8:1:2::7"), 4242), "2001:db8:1:2::7", 4242 },
        { "v2 TCP4 with TLVs", ProxyHeaders.V2(IPAddress.Parse("198.51.100.9"), 7, (0x01, "h2"u8.ToArray()), (0x05, new byte[16]), (0xEA, "vpce-0123"u8.ToArray()), (0x04, [])), "198.51.100.9", 7 },
        { "v2 TCP6 with a 1 KiB TLV", ProxyHeaders.V2(IPAddress.Parse("2001:db8::1"), 9, (0xE0, new byte[1024])), "2001:db8::1", 9 },
        { "v2 LOCAL", ProxyHeaders.V2Local(), null, 0 },
        { "v2 LOCAL with an address block", ProxyHeaders.V2Local(0x11, new byte[12]), null, 0 },
        { "v2 LOCAL with any family", ProxyHeaders.V2Local(0x77, new byte[3]), null, 0 },
        { "v2 UNSPEC", ProxyHeaders.V2Raw(0x21, 0x00, [1, 2, 3]), null, 0 },
        { "v2 UNIX stream", ProxyHeaders.V2Raw(0x21, 0x31, new byte[216]), null, 0 },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_valid_header_is_taken_whole_and_nothing_after_it(string name, byte[] header, string? source, int port)
    {
        var result = ProxyHeaderParser.Parse(new ReadOnlySequence<byte>([.. header, .. Http]));

        Assert.True(result.Status == ProxyHeaderStatus.Complete, $"{name}: {result.Problem}");
        Assert.Equal(header.Length, result.Length);
        Assert.Equal(source, result.Source?.Address.ToString());
        if (source is not null)
        {
            Assert.Equal(port, result.Source!.Port);
        }
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_valid_header_split_anywhere_waits_then_completes(string name, byte[] header, string? source, int port)
    {
        _ = port;
        for (var cut = 0; cut < header.Length; cut++)
        {
            Assert.True(ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(header, 0, cut)).Status == ProxyHeaderStatus.NeedMore, $"{name}: {cut} bytes");
        }

        // In one-byte segments, as a header written a byte per TCP segment arrives in a pipe.
        var result = ProxyHeaderParser.Parse(Segments([.. header, .. Http], 1));
        Assert.Equal(ProxyHeaderStatus.Complete, result.Status);
        Assert.Equal(header.Length, result.Length);
        Assert.Equal(source, result.Source?.Address.ToString());
    }

    public static TheoryData<string, byte[], string> Garbage => new()
    {
        { "plain HTTP", Http, ProxyRejection.Missing },
        { "a TLS ClientHello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0, 0, 0, 0, 0], ProxyRejection.Missing },
        { "POST (starts with P)", "POST / HTTP/1.1\r\n"u8.ToArray(), ProxyRejection.Missing },
        { "lower-case proxy", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"u8.ToArray(), ProxyRejection.Missing },
        { "PROXY without the space", "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n"u8.ToArray(), ProxyRejection.Missing },
        { "a NUL first", [0, 1, 2, 3], ProxyRejection.Missing },
        { "v1 TCP5", ProxyHeaders.V1("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 UDP4", ProxyHeaders.V1("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 LF only", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), ProxyRejection.Malformed },
        { "v1 CR CR LF", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n"), ProxyRejection.Malformed },
        { "v1 two spaces", ProxyHeaders.V1("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 trailing space", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"), ProxyRejection.Malformed },
        { "v1 a field missing", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), ProxyRejection.Malformed },
        { "v1 a field too many", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), ProxyRejection.Malformed },
        { "v1 TCP4 with IPv6", ProxyHeaders.V1("PROXY TCP4 ::1 ::2 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 TCP6 with IPv4", ProxyHeaders.V1("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 short IPv4", ProxyHeaders.V1("PROXY TCP4 10 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 octet over 255", ProxyHeaders.V1("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 hex IPv4", ProxyHeaders.V1("PROXY TCP4 0x7f.0.0.1 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 IPv6 scope id", ProxyHeaders.V1("PROXY TCP6 fe80::1%eth0 ::2 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 bad destination", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 nope 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 port over 65535", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), ProxyRejection.Malformed },
        { "v1 port with a leading zero", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"), ProxyRejection.Malformed },
        { "v1 negative port", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), ProxyRejection.Malformed },
        { "v1 port a word", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 http 2\r\n"), ProxyRejection.Malformed },
        { "v1 NUL inside", ProxyHeaders.V1("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"), ProxyRejection.Malformed },
        { "v1 UTF-8 inside", Encoding.UTF8.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 1 ２\r\n"), ProxyRejection.Malformed },
        { "v1 empty", ProxyHeaders.V1("PROXY \r\n"), ProxyRejection.Malformed },
        { "v1 UNKNOWNX", ProxyHeaders.V1("PROXY UNKNOWNX\r\n"), ProxyRejection.Malformed },
        { "v1 line of 108 bytes", ProxyHeaders.V1("PROXY UNKNOWN " + new string('a', 92) + "\r\n"), ProxyRejection.TooLong },
        { "v1 no CRLF in 107 bytes", ProxyHeaders.V1("PROXY TCP4 " + new string('1', 200)), ProxyRejection.TooLong },
        { "v2 bad signature", [.. ProxyHeaders.V2Signature[..11], 0x0B, 0x21, 0x11, 0, 12, .. new byte[12]], ProxyRejection.Missing },
        { "v2 version 1", ProxyHeaders.V2Raw(0x11, 0x11, new byte[12]), ProxyRejection.Malformed },
        { "v2 version 3", ProxyHeaders.V2Raw(0x31, 0x11, new byte[12]), ProxyRejection.Malformed },
        { "v2 command 2", ProxyHeaders.V2Raw(0x22, 0x11, new byte[12]), ProxyRejection.Malformed },
        { "v2 command 15", ProxyHeaders.V2Raw(0x2F, 0x11, new byte[12]), ProxyRejection.Malformed },
        { "v2 UDP over IPv4", ProxyHeaders.V2Raw(0x21, 0x12, new byte[12]), ProxyRejection.Malformed },
        { "v2 UDP over IPv6", ProxyHeaders.V2Raw(0x21, 0x22, new byte[36]), ProxyRejection.Malformed },
        { "v2 UNIX datagram", ProxyHeaders.V2Raw(0x21, 0x32, new byte[216]), ProxyRejection.Malformed },
        { "v2 family 4", ProxyHeaders.V2Raw(0x21, 0x41, new byte[36]), ProxyRejection.Malformed },
        { "v2 transport 3", ProxyHeaders.V2Raw(0x21, 0x13, new byte[12]), ProxyRejection.Malformed },
        { "v2 TCP4 block too short", ProxyHeaders.V2Raw(0x21, 0x11, new byte[11]), ProxyRejection.Malformed },
        { "v2 TCP6 block too short", ProxyHeaders.V2Raw(0x21, 0x21, new byte[35]), ProxyRejection.Malformed },
        { "v2 TCP6 with an IPv4 block", ProxyHeaders.V2Raw(0x21, 0x21, new byte[12]), ProxyRejection.Malformed },
        { "v2 TLV longer than the header", ProxyHeaders.V2Raw(0x21, 0x11, [.. new byte[12], 0x01, 0x00, 0x09, 1, 2]), ProxyRejection.Malformed },
        { "v2 TLV cut in its length", ProxyHeaders.V2Raw(0x21, 0x11, [.. new byte[12], 0x01, 0x00]), ProxyRejection.Malformed },
        { "v2 one stray byte after the TLVs", ProxyHeaders.V2Raw(0x21, 0x11, [.. new byte[12], .. ProxyHeaders.Tlvs((0x01, [1])), 0x05]), ProxyRejection.Malformed },
        { "v2 longer than 4 KiB", ProxyHeaders.V2Raw(0x21, 0x11, new byte[12], declaredLength: 65535), ProxyRejection.TooLong },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_is_refused_with_its_reason(string name, byte[] input, string reason)
    {
        var result = ProxyHeaderParser.Parse(new ReadOnlySequence<byte>([.. input, .. Http]));

        Assert.True(result.Status == ProxyHeaderStatus.Invalid, $"{name}: {result.Status}");
        Assert.Equal(reason, result.Reason);
        Assert.False(string.IsNullOrEmpty(result.Problem));

        // Split into segments it is refused the same (or waits, never accepts, when cut before the fault).
        Assert.Equal(reason, ProxyHeaderParser.Parse(Segments([.. input, .. Http], 3)).Reason);
    }

    [Fact]
    public void A_v1_line_of_exactly_107_bytes_is_accepted()
    {
        var line = ProxyHeaders.V1("PROXY UNKNOWN " + new string('a', 91) + "\r\n");
        Assert.Equal(107, line.Length);

        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(line)).Status);
    }

    [Fact]
    public void A_bad_v2_family_is_refused_before_the_declared_length_arrives()
    {
        // A client that declares 4000 bytes and sends 16 is not waited for when the family is already wrong.
        var head = ProxyHeaders.V2Raw(0x21, 0x12, [], declaredLength: 4000);

        Assert.Equal(ProxyRejection.Malformed, ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(head)).Reason);
    }

    [Fact]
    public void Fuzz_random_bytes_and_mutated_headers_never_throw_and_are_accepted_only_as_whole_headers()
    {
        var random = new Random(16);
        var valid = Valid.Select(row => (byte[])row[1]).ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 300)];
                random.NextBytes(input);
                if (i % 4 == 0 && input.Length > 12)
                {
                    ProxyHeaders.V2Signature.CopyTo(input, 0); // past the signature, into the fields
                }
            }
            else
            {
                input = [.. valid[random.Next(valid.Length)]];
                for (var flips = random.Next(1, 4); flips > 0 && input.Length > 0; flips--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    input = input[..random.Next(input.Length + 1)];
                }
            }

            var whole = ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(input));
            var split = ProxyHeaderParser.Parse(Segments(input, random.Next(1, 17)));
            Assert.Equal(whole.Status, split.Status);
            Assert.Equal(whole.Length, split.Length);
            if (whole.Status == ProxyHeaderStatus.Complete)
            {
                // Accepted means a whole header that the same parser accepts again on its own, and never past the input.
                Assert.InRange(whole.Length, 1, input.Length);
                var again = ProxyHeaderParser.Parse(new ReadOnlySequence<byte>(input, 0, whole.Length));
                Assert.Equal(ProxyHeaderStatus.Complete, again.Status);
                Assert.Equal(whole.Source, again.Source);
            }
            else if (whole.Status == ProxyHeaderStatus.Invalid)
            {
                Assert.NotNull(whole.Reason);
            }
            else
            {
                // Waiting only while it can still become a header: a v1 line shorter than its bound, or a v2 header
                // shorter than it declares.
                var bound = input.Length == 0 ? 1 : input[0] == (byte)'P' ? ProxyHeaderParser.MaxV1Length : input.Length < 16 ? 16 : 16 + ((input[14] << 8) | input[15]);
                Assert.True(input.Length < bound, $"waited on {input.Length} bytes");
            }
        }
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var memory = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
