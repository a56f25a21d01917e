using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sockway.Gateway.Forwarding;

/// <summary>
/// Reads the backend's answer to an upgrade request from a plain socket: interim 1xx answers are skipped, a 101 ends
/// the HTTP part (bytes after it already belong to the tunnel), any other status is read whole — it is a refusal
/// with a small body the client should see. Whatever the backend sends, the only exceptions are
/// <see cref="HttpRequestException"/> (malformed, too large, or ended early) and cancellation; everything read is
/// bounded (head, body, trailers, interim answers), so a backend that keeps talking cannot keep a reader busy.
/// </summary>
internal sealed class BackendResponseReader(Socket socket) : IDisposable
{
    public const int MaxHeadBytes = 64 * 1024;
    public const int MaxRefusalBodyBytes = 256 * 1024;
    public const int MaxInterimResponses = 16;
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _start;
    private int _filled;

    public async Task<BackendResponseHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        for (var interim = 0; ; interim++)
        {
            if (interim > MaxInterimResponses)
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend sent too many interim (1xx) responses.");
            }

            int end;
            while ((end = _buffer.AsSpan(_start, _filled - _start).IndexOf(HeadEnd)) < 0)
            {
                await ReadMoreAsync(MaxHeadBytes, cancellationToken);
            }

            var head = BackendResponseHead.Parse(Encoding.Latin1.GetString(_buffer, _start, end));
            _start += end + HeadEnd.Length;
            if (head.StatusCode is >= 100 and < 200 and not 101)
            {
                continue;
            }

            return head;
        }
    }

    /// <summary>Bytes received after the 101's head: the first bytes of the tunnel.</summary>
    public byte[] TakeLeftover() => _buffer.AsSpan(_start, _filled - _start).ToArray();

    /// <summary>The body of a refusal, framed by chunked encoding, Content-Length, or the end of the connection.</summary>
    public async Task<byte[]> ReadBodyAsync(BackendResponseHead head, CancellationToken cancellationToken)
    {
        if (head.StatusCode is 204 or 304)
        {
            return [];
        }

        if (head.IsChunked)
        {
            return await ReadChunkedAsync(cancellationToken);
        }

        if (head.ContentLength is { } length)
        {
            if (length > MaxRefusalBodyBytes)
            {
                throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, "The backend's refusal body is too large.");
            }

            while (_filled - _start < length)
            {
                await ReadMoreAsync(MaxRefusalBodyBytes, cancellationToken);
            }

            return _buffer.AsSpan(_start, (int)length).ToArray();
        }

        while (await TryReadMoreAsync(MaxRefusalBodyBytes, cancellationToken))
        {
        }

        return _buffer.AsSpan(_start, _filled - _start).ToArray();
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>();
        var framing = 0;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            framing += line.Length;
            var extension = line.IndexOf(';');
            var sizeText = (extension < 0 ? line : line[..extension]).Trim();
            // Hex "FFFFFFFF" parses as -1, and a sum could overflow: the size is compared with what is left.
            if (sizeText.Length == 0 || !int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0
                || size > MaxRefusalBodyBytes - body.WrittenCount || framing > MaxHeadBytes)
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend sent a malformed or oversized chunk.");
            }

            if (size == 0)
            {
                string trailer;
                while ((trailer = await ReadLineAsync(cancellationToken)).Length != 0)
                {
                    // Trailers carry nothing a refused handshake needs; their size still counts.
                    framing += trailer.Length;
                    if (framing > MaxHeadBytes)
                    {
                        throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, "The backend's trailers are too large.");
                    }
                }

                return body.WrittenSpan.ToArray();
            }

            while (_filled - _start < size + LineEnd.Length)
            {
                await ReadMoreAsync(MaxHeadBytes + MaxRefusalBodyBytes, cancellationToken);
            }

            body.Write(_buffer.AsSpan(_start, size));
            if (!_buffer.AsSpan(_start + size, LineEnd.Length).SequenceEqual(LineEnd))
            {
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend sent a chunk without its closing CRLF.");
            }

            _start += size + LineEnd.Length;
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _filled - _start).IndexOf(LineEnd)) < 0)
        {
            await ReadMoreAsync(MaxHeadBytes + MaxRefusalBodyBytes, cancellationToken);
        }

        var line = Encoding.Latin1.GetString(_buffer, _start, end);
        _start += end + LineEnd.Length;
        return line;
    }

    private async Task ReadMoreAsync(int limit, CancellationToken cancellationToken)
    {
        if (!await TryReadMoreAsync(limit, cancellationToken))
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The backend closed the connection before its response was complete.");
        }
    }

    private async Task<bool> TryReadMoreAsync(int limit, CancellationToken cancellationToken)
    {
        if (_filled == _buffer.Length)
        {
            Grow(limit);
        }

        var read = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancellationToken);
        _filled += read;
        return read > 0;
    }

    private void Grow(int limit)
    {
        var pending = _filled - _start;
        if (pending >= limit)
        {
            throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded, "The backend's response is too large.");
        }

        // Mostly consumed: make room in place, so a long exchange of small pieces does not double the buffer forever.
        if (pending <= _buffer.Length / 2)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _filled = pending;
            _start = 0;
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
        _buffer.AsSpan(_start, _filled - _start).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
        _filled -= _start;
        _start = 0;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
