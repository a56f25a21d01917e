using System.Buffers.Binary;

namespace Sockway.Gateway.Framing;

/// <summary>
/// Follows RFC 6455 frame headers in one direction of a tunnel as bytes pass, without copying or unmasking
/// payloads: it only needs to know where each frame ends, so a Close frame can be injected between frames.
/// Cost per chunk is one step per frame header in it; a chunk inside a large payload is a single subtraction.
/// A header that breaks RFC 6455 §5 (see <see cref="FrameViolation"/>) stops tracking: the bytes from its first
/// byte on are not consumed, since nobody could tell where that frame ends. Size limits are decided from headers
/// too: a data frame, or a message (the sum of its frames), over a limit is refused before any of its payload passes.
/// </summary>
public sealed class FrameTracker
{
    private const int MaxHeaderLength = 14;
    private const int MaxControlPayload = 125;
    private readonly byte[] _header = new byte[MaxHeaderLength];
    private readonly bool _expectMasked;
    private readonly bool _allowReservedBits;
    private int _headerLength;
    private long _payloadRemaining;
    private int _closeCodeBytesWanted;
    private int _closeCode;
    private int _closeCodeOffset;
    private readonly byte[] _closeMask = new byte[2];
    private bool _inFragmentedMessage;
    private long _messageBytes;
    private readonly Configuration.MessageLimits? _limits;
    private readonly bool _holdPongs;

    /// <summary>A tracker that checks nothing about masking or extensions (tests, byte counting).</summary>
    public FrameTracker()
        : this(expectMasked: null, allowReservedBits: true)
    {
    }

    /// <param name="expectMasked">True towards a server (client frames are masked), false towards a client, null: not checked.</param>
    /// <param name="allowReservedBits">True when the handshake negotiated an extension, which may use RSV1–3.</param>
    /// <param name="limits">Caps on data frames and messages (null: none).</param>
    /// <param name="holdPongs">True: stop before each Pong frame (see <see cref="PongAhead"/>), so Sockway can drop the ones answering its own Pings.</param>
    public FrameTracker(bool? expectMasked, bool allowReservedBits, Configuration.MessageLimits? limits = null, bool holdPongs = false)
    {
        _limits = limits is { Any: true } ? limits : null;
        _holdPongs = holdPongs;
        _checkMask = expectMasked.HasValue;
        _expectMasked = expectMasked ?? false;
        _allowReservedBits = allowReservedBits;
    }

    private readonly bool _checkMask;

    /// <summary>True when the bytes seen so far end exactly at a frame boundary.</summary>
    public bool AtBoundary => _headerLength == 0 && _payloadRemaining == 0;

    /// <summary>Complete data messages seen (frames with FIN set, control frames excluded).</summary>
    public long Messages { get; private set; }

    /// <summary>Bytes seen.</summary>
    public long Bytes { get; private set; }

    /// <summary>True once a Close frame's header has been seen in this direction.</summary>
    public bool SawClose { get; private set; }

    /// <summary>Stopwatch timestamp at which the Close frame was seen (0 when none), to tell which peer closed first.</summary>
    public long CloseSeenAt { get; private set; }

    /// <summary>The status code of the first Close frame seen (1005, "no status", when it carried none), for close metrics.</summary>
    public int? CloseCode { get; private set; }

    /// <summary>True when the first Close frame carried a status code on the wire (false: an empty Close).</summary>
    public bool CloseCodeOnWire { get; private set; }

    /// <summary>
    /// Set when <see cref="Observe"/> stopped, at a boundary, before the first byte of a Pong frame; the caller
    /// reads that frame itself and hands it back through <see cref="AdmitPong"/> unless it drops it.
    /// </summary>
    public bool PongAhead { get; private set; }

    /// <summary>Set when a frame header broke the protocol; nothing is consumed from that header on.</summary>
    public FrameViolation Violation { get; private set; }

    /// <summary>
    /// Consumes <paramref name="data"/> and returns how many bytes were valid: all of them, unless a header broke
    /// the protocol, in which case the bytes before that header (0 if it began in an earlier chunk).
    /// </summary>
    public int Observe(ReadOnlySpan<byte> data) => Observe(data, stopAtBoundary: false);

    /// <summary>Counts bytes without parsing them (a plain byte tunnel).</summary>
    public void Count(int bytes) => Bytes += bytes;

    /// <summary>
    /// Consumes bytes up to and including the end of the current frame (or all of them if that frame does not end
    /// in this chunk) and returns how many were consumed. At a boundary, consumes a whole next frame if it fits.
    /// </summary>
    public int ObserveUntilBoundary(ReadOnlySpan<byte> data) => Observe(data, stopAtBoundary: true);

    /// <summary>Consumes a whole Pong frame the caller held back after <see cref="PongAhead"/>; returns how many bytes were valid.</summary>
    public int AdmitPong(ReadOnlySpan<byte> frame)
    {
        PongAhead = false;
        return Observe(frame, stopAtBoundary: false, holdPongs: false);
    }

    /// <summary>The caller dropped the Pong after <see cref="PongAhead"/> (it answered Sockway's Ping): the tracker never sees it.</summary>
    public void DropPong() => PongAhead = false;

    /// <summary>Consumes bytes without holding Pongs back (bytes that are dropped anyway, after Sockway's Close).</summary>
    public void ObserveDropped(ReadOnlySpan<byte> data) => Observe(data, stopAtBoundary: false, holdPongs: false);

    /// <summary>
    /// The first byte of a Pong Sockway may have to drop: FIN, no RSV bits, opcode 0xA. Anything else with opcode
    /// 0xA breaks the protocol, and the tracker itself says so.
    /// </summary>
    public const byte PongFirstByte = 0x8A;

    private int Observe(ReadOnlySpan<byte> data, bool stopAtBoundary) => Observe(data, stopAtBoundary, _holdPongs);

    private int Observe(ReadOnlySpan<byte> data, bool stopAtBoundary, bool holdPongs)
    {
        if (Violation != FrameViolation.None)
        {
            return 0;
        }

        var offset = 0;
        while (offset < data.Length)
        {
            if (_closeCodeBytesWanted > 0)
            {
                // The first two payload bytes of a Close frame are its code (unmasked with the frame's key if masked).
                _closeCode = (_closeCode << 8) | (data[offset] ^ _closeMask[_closeCodeOffset]);
                _closeCodeOffset++;
                _payloadRemaining--;
                offset++;
                if (--_closeCodeBytesWanted == 0)
                {
                    CloseCode = _closeCode;
                }
            }
            else if (_payloadRemaining > 0)
            {
                var take = (int)Math.Min(_payloadRemaining, data.Length - offset);
                _payloadRemaining -= take;
                offset += take;
            }
            else
            {
                if (holdPongs && _headerLength == 0 && data[offset] == PongFirstByte)
                {
                    PongAhead = true;
                    Bytes += offset;
                    return offset;
                }

                var headerStart = offset;
                var startedEarlier = _headerLength > 0;
                offset += ReadHeaderBytes(data[offset..]);
                if (Violation != FrameViolation.None)
                {
                    // Nothing of the bad frame counts. A header that began in this chunk leaves the peer at a boundary.
                    if (!startedEarlier)
                    {
                        _headerLength = 0;
                    }

                    Bytes += headerStart;
                    return headerStart;
                }
            }

            if (stopAtBoundary && AtBoundary)
            {
                break;
            }
        }

        Bytes += offset;
        return offset;
    }

    private int ReadHeaderBytes(ReadOnlySpan<byte> data)
    {
        var consumed = 0;
        while (consumed < data.Length)
        {
            _header[_headerLength++] = data[consumed++];
            var needed = HeaderLength();
            if (needed > 0 && _headerLength == needed)
            {
                CompleteHeader();
                return consumed;
            }
        }

        return consumed;
    }

    /// <summary>The full header length once enough of it is known, else 0.</summary>
    private int HeaderLength()
    {
        if (_headerLength < 2)
        {
            return 0;
        }

        var masked = (_header[1] & 0x80) != 0 ? 4 : 0;
        return (_header[1] & 0x7F) switch
        {
            126 => 4 + masked,
            127 => 10 + masked,
            _ => 2 + masked,
        };
    }

    private void CompleteHeader()
    {
        var length7 = _header[1] & 0x7F;
        var length = length7 switch
        {
            126 => (_header[2] << 8) | _header[3],
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2, 8)),
            _ => length7,
        };
        var fin = (_header[0] & 0x80) != 0;
        var opcode = _header[0] & 0x0F;
        var masked = (_header[1] & 0x80) != 0;
        Violation = Check(fin, opcode, masked, length);
        if (Violation != FrameViolation.None)
        {
            return;
        }

        _payloadRemaining = length;
        if (opcode == 0x8 && !SawClose)
        {
            SawClose = true;
            CloseSeenAt = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_payloadRemaining >= 2)
            {
                CloseCodeOnWire = true;
                _closeCodeBytesWanted = 2;
                _closeCode = 0;
                _closeCodeOffset = 0;
                var keyAt = HeaderLength() - 4;
                _closeMask[0] = masked ? _header[keyAt] : (byte)0;
                _closeMask[1] = masked ? _header[keyAt + 1] : (byte)0;
            }
            else
            {
                CloseCode = 1005;
            }
        }
        else if (opcode < 0x8)
        {
            _inFragmentedMessage = !fin;
            _messageBytes = fin ? 0 : _messageBytes + length;
            if (fin)
            {
                Messages++;
            }
        }

        _headerLength = 0;
    }

    /// <summary>RFC 6455 §5.2, §5.4, §5.5: checked once per frame header, never per payload byte.</summary>
    private FrameViolation Check(bool fin, int opcode, bool masked, long length)
    {
        if (length < 0)
        {
            // The most significant bit of a 64-bit length must be 0.
            return FrameViolation.LengthTooLarge;
        }

        if ((_header[0] & 0x70) != 0 && !_allowReservedBits)
        {
            return FrameViolation.ReservedBits;
        }

        if (_checkMask && masked != _expectMasked)
        {
            return _expectMasked ? FrameViolation.UnmaskedClientFrame : FrameViolation.MaskedServerFrame;
        }

        switch (opcode)
        {
            case 0x0:
                return !_inFragmentedMessage ? FrameViolation.UnexpectedContinuation : CheckSize(_messageBytes, length);
            case 0x1 or 0x2:
                return _inFragmentedMessage ? FrameViolation.UnfinishedMessage : CheckSize(0, length);
            case 0x8 or 0x9 or 0xA:
                return !fin ? FrameViolation.FragmentedControlFrame
                    : length > MaxControlPayload ? FrameViolation.ControlFrameTooLong
                    : opcode == 0x8 && length == 1 ? FrameViolation.CloseBodyTooShort
                    : FrameViolation.None;
            default:
                return FrameViolation.ReservedOpcode;
        }
    }

    /// <summary>A data frame of <paramref name="length"/> bytes after <paramref name="before"/> bytes of its message.</summary>
    private FrameViolation CheckSize(long before, long length) =>
        _limits is not { } limits ? FrameViolation.None
        : length > limits.MaxFrameBytes ? FrameViolation.FrameTooBig
        : length > limits.MaxMessageBytes - before ? FrameViolation.MessageTooBig
        : FrameViolation.None;
}

/// <summary>How a frame header broke RFC 6455 (Close 1002) or a route's size limit (Close 1009).</summary>
public enum FrameViolation
{
    None,
    LengthTooLarge,
    ReservedBits,
    ReservedOpcode,
    UnmaskedClientFrame,
    MaskedServerFrame,
    FragmentedControlFrame,
    ControlFrameTooLong,
    CloseBodyTooShort,
    UnexpectedContinuation,
    UnfinishedMessage,

    /// <summary>A data frame's payload is over the route's <c>limits.maxFrameBytes</c>.</summary>
    FrameTooBig,

    /// <summary>A message's payload (the sum of its frames so far) is over the route's <c>limits.maxMessageBytes</c>.</summary>
    MessageTooBig,
}

public static class FrameViolations
{
    /// <summary>1009 (Message Too Big) for a size limit, 1002 (Protocol Error) for everything else.</summary>
    public static ushort CloseCode(this FrameViolation violation) => violation.IsSizeLimit() ? CloseFrame.MessageTooBig : CloseFrame.ProtocolError;

    public static bool IsSizeLimit(this FrameViolation violation) => violation is FrameViolation.FrameTooBig or FrameViolation.MessageTooBig;
}
