namespace Sockway.Gateway.Framing;

/// <summary>
/// Follows RFC 6455 frame headers in one direction of a tunnel as bytes pass, without copying or unmasking
/// payloads: it only needs to know where each frame ends, so a Close frame can be injected between frames.
/// Cost per chunk is one step per frame header in it; a chunk inside a large payload is a single subtraction.
/// </summary>
public sealed class FrameTracker
{
    private const int MaxHeaderLength = 14;
    private readonly byte[] _header = new byte[MaxHeaderLength];
    private int _headerLength;
    private long _payloadRemaining;
    private int _closeCodeBytesWanted;
    private int _closeCode;
    private int _closeCodeOffset;
    private readonly byte[] _closeMask = new byte[2];

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

    /// <summary>The status code of the first Close frame seen (1005 when it carried none), for close metrics.</summary>
    public int? CloseCode { get; private set; }

    /// <summary>Consumes all of <paramref name="data"/>.</summary>
    public void Observe(ReadOnlySpan<byte> data) => _ = Observe(data, stopAtBoundary: false);

    /// <summary>
    /// Consumes bytes up to and including the end of the current frame (or all of them if that frame does not end
    /// in this chunk) and returns how many were consumed. At a boundary, consumes a whole next frame if it fits.
    /// </summary>
    public int ObserveUntilBoundary(ReadOnlySpan<byte> data) => Observe(data, stopAtBoundary: true);

    private int Observe(ReadOnlySpan<byte> data, bool stopAtBoundary)
    {
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
                offset += ReadHeaderBytes(data[offset..]);
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
        _payloadRemaining = length7 switch
        {
            126 => (_header[2] << 8) | _header[3],
            127 => (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2, 8)),
            _ => length7,
        };
        var fin = (_header[0] & 0x80) != 0;
        var opcode = _header[0] & 0x0F;
        if (opcode == 0x8 && !SawClose)
        {
            SawClose = true;
            CloseSeenAt = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_payloadRemaining >= 2)
            {
                _closeCodeBytesWanted = 2;
                _closeCode = 0;
                _closeCodeOffset = 0;
                var masked = (_header[1] & 0x80) != 0;
                var keyAt = HeaderLength() - 4;
                _closeMask[0] = masked ? _header[keyAt] : (byte)0;
                _closeMask[1] = masked ? _header[keyAt + 1] : (byte)0;
            }
            else
            {
                CloseCode = 1005;
            }
        }
        else if (fin && opcode < 0x8)
        {
            Messages++;
        }

        _headerLength = 0;
    }
}
