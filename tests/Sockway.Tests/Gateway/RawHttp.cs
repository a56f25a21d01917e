using System.Text;

namespace Sockway.Tests.Gateway;

/// <summary>Reads an HTTP response head byte by byte from a raw socket, for handshake-level assertions.</summary>
internal static class RawHttp
{
    /// <summary>An HTTP/1.1 WebSocket upgrade request for <paramref name="path"/>, with a fresh key.</summary>
    public static string UpgradeRequest(string host, string path = "/ws") =>
        $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: {Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))}\r\nSec-WebSocket-Version: 13\r\n\r\n";

    /// <summary>A short final frame as a client sends it (masked), e.g. opcode 0x1 text or 0x8 Close.</summary>
    public static byte[] MaskedFrame(byte opcode, byte[] payload)
    {
        var mask = System.Security.Cryptography.RandomNumberGenerator.GetBytes(4);
        var frame = new byte[2 + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return frame;
    }

    public static async Task<string> ReadHeadAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    public static async Task<(string Head, string Body)> SendAsync(int port, string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var head = await ReadHeadAsync(stream);
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var body = string.Empty;
        var length = System.Text.RegularExpressions.Regex.Match(head, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (length.Success)
        {
            var buffer = new char[int.Parse(length.Groups[1].Value)];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await reader.ReadAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            body = new string(buffer, 0, read);
        }

        return (head, body);
    }

    /// <summary>The body by Content-Length or chunked framing, leaving the connection positioned at the next response.</summary>
    public static async Task<string> ReadBodyAsync(Stream stream, string head)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var length = System.Text.RegularExpressions.Regex.Match(head, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (length.Success)
        {
            var body = new byte[int.Parse(length.Groups[1].Value)];
            await stream.ReadExactlyAsync(body, timeout.Token);
            return Encoding.UTF8.GetString(body);
        }

        Xunit.Assert.Contains("Transfer-Encoding: chunked", head, StringComparison.OrdinalIgnoreCase);
        var text = new StringBuilder();
        while (true)
        {
            var size = Convert.ToInt32((await ReadLineAsync(stream, timeout.Token)).Split(';')[0], 16);
            var chunk = new byte[size + 2];
            await stream.ReadExactlyAsync(chunk, timeout.Token);
            if (size == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.UTF8.GetString(chunk, 0, size));
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            line.Append((char)one[0]);
        }

        return line.ToString().TrimEnd();
    }
}
