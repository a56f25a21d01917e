using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Gateway.Forwarding;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// The backend's answer to an upgrade is hostile input too: a corpus of bad heads and bodies with their outcome,
/// then a bounded fuzz run. The reader may only succeed or throw HttpRequestException, and never hangs on a backend
/// that has finished sending.
/// </summary>
public sealed class BackendResponseReaderTests : IDisposable
{
    private const string Ok101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public BackendResponseReaderTests() => _listener.Start();

    // Expected: a status and body ("101:leftover", "403:body"), or the HttpRequestError it must fail with.
    public static TheoryData<string, string, string> Corpus => new()
    {
        { "a 101 and the tunnel's first bytes", Ok101 + "hello", "101:hello" },
        { "interim answers before the 101", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + Ok101, "101:" },
        { "too many interim answers", string.Concat(Enumerable.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 20)) + Ok101, "InvalidResponse" },
        { "HTTP/1.0 refusal", "HTTP/1.0 403 Forbidden\r\nContent-Length: 2\r\n\r\nno", "403:no" },
        { "HTTP/2 status line", "HTTP/2 101\r\n\r\n", "InvalidResponse" },
        { "HTTP/1.12", "HTTP/1.12 101 X\r\n\r\n", "InvalidResponse" },
        { "status below 100", "HTTP/1.1 099 X\r\n\r\n", "InvalidResponse" },
        { "status above 599", "HTTP/1.1 600 X\r\n\r\n", "InvalidResponse" },
        { "status with a letter", "HTTP/1.1 1O1 X\r\n\r\n", "InvalidResponse" },
        { "two-digit status", "HTTP/1.1 42 X\r\n\r\n", "InvalidResponse" },
        { "no status", "HTTP/1.1\r\n\r\n", "InvalidResponse" },
        { "control character in the reason", "HTTP/1.1 403 No\u0001pe\r\n\r\n", "InvalidResponse" },
        { "not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n\r\n", "InvalidResponse" },
        { "empty head", "\r\n\r\n", "InvalidResponse" },
        { "header without a colon", "HTTP/1.1 101 X\r\nUpgrade websocket\r\n\r\n", "InvalidResponse" },
        { "space before the colon", "HTTP/1.1 101 X\r\nUpgrade : websocket\r\n\r\n", "InvalidResponse" },
        { "obsolete line folding", "HTTP/1.1 101 X\r\nUpgrade: web\r\n socket\r\n\r\n", "InvalidResponse" },
        { "NUL in a value", "HTTP/1.1 101 X\r\nX-A: a\0b\r\n\r\n", "InvalidResponse" },
        { "bare LF in a value", "HTTP/1.1 101 X\r\nX-A: a\nb\r\n\r\n", "InvalidResponse" },
        { "name that is not a token", "HTTP/1.1 101 X\r\nX(A): 1\r\n\r\n", "InvalidResponse" },
        { "head cut short", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: webs", "ResponseEnded" },
        { "nothing at all", "", "ResponseEnded" },
        { "a 70 KiB header", $"HTTP/1.1 101 X\r\nX-Big: {new string('a', 70 * 1024)}\r\n\r\n", "ConfigurationLimitExceeded" },
        { "refusal with a length", "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nhello", "403:hello" },
        { "two equal lengths", "HTTP/1.1 403 F\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nno", "403:no" },
        { "two different lengths", "HTTP/1.1 403 F\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nnoo", "InvalidResponse" },
        { "a length list that disagrees", "HTTP/1.1 403 F\r\nContent-Length: 2, 3\r\n\r\nnoo", "InvalidResponse" },
        { "negative length", "HTTP/1.1 403 F\r\nContent-Length: -1\r\n\r\n", "InvalidResponse" },
        { "length not a number", "HTTP/1.1 403 F\r\nContent-Length: ten\r\n\r\n", "InvalidResponse" },
        { "length past the limit", "HTTP/1.1 403 F\r\nContent-Length: 999999999999\r\n\r\n", "ConfigurationLimitExceeded" },
        { "body shorter than its length", "HTTP/1.1 403 F\r\nContent-Length: 10\r\n\r\nabc", "ResponseEnded" },
        { "body to the end of the connection", "HTTP/1.1 403 F\r\n\r\nuntil FIN", "403:until FIN" },
        { "204 ignores what follows", "HTTP/1.1 204 No Content\r\n\r\nstray", "204:" },
        { "chunked", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-T: 1\r\n\r\n", "403:hello!" },
        { "chunk size not hex", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "InvalidResponse" },
        { "empty chunk size", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", "InvalidResponse" },
        { "chunk size -1 in hex", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n", "InvalidResponse" },
        { "chunk sizes that overflow", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7FFFFFFD\r\n", "InvalidResponse" },
        { "chunk past the limit", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n40001\r\n", "InvalidResponse" },
        { "chunk without its CRLF", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", "InvalidResponse" },
        { "chunk cut short", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", "ResponseEnded" },
        { "no last chunk", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", "ResponseEnded" },
        { "endless trailers", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + string.Concat(Enumerable.Repeat("X-T: 0123456789\r\n", 6000)) + "\r\n", "ConfigurationLimitExceeded" },
        { "endless tiny chunks", "HTTP/1.1 403 F\r\nTransfer-Encoding: chunked\r\n\r\n" + string.Concat(Enumerable.Repeat("1;a-long-extension-to-pad-the-line\r\nx\r\n", 3000)), "InvalidResponse" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Reads_or_refuses_as_expected(string what, string response, string expected)
    {
        Assert.Equal(expected, await ReadAsync(Encoding.Latin1.GetBytes(response)) + string.Empty);
        _ = what;
    }

    [Fact]
    public async Task Random_and_mangled_answers_never_throw_anything_else_and_never_hang()
    {
        string[] templates =
        [
            Ok101 + "frame",
            "HTTP/1.1 100 Continue\r\n\r\n" + Ok101,
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 11\r\nX-Why: origin\r\n\r\nnot allowed",
            "HTTP/1.1 502 Bad\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwhy?\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\n\r\nto the end",
        ];
        var random = new Random(6455);
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < 400; i++)
        {
            var bytes = Mangle(Encoding.Latin1.GetBytes(templates[random.Next(templates.Length)]), random);
            var outcome = await ReadAsync(bytes);
            var kind = outcome.Contains(':') ? "ok" : outcome;
            outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
        }

        // The run must exercise both sides; ReadAsync itself fails the test on any other exception or a hang.
        Assert.True(outcomes.GetValueOrDefault("ok") > 0 && outcomes.Count > 2, string.Join(", ", outcomes));
    }

    private static byte[] Mangle(byte[] bytes, Random random)
    {
        var list = bytes.ToList();
        for (var n = random.Next(1, 4); n > 0 && list.Count > 0; n--)
        {
            var at = random.Next(list.Count);
            switch (random.Next(5))
            {
                case 0:
                    list.RemoveRange(at, list.Count - at);
                    break;
                case 1:
                    list[at] = (byte)random.Next(256);
                    break;
                case 2:
                    list.InsertRange(at, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3:
                    list.InsertRange(at, Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "\r\n" : "\r\n\r\n"));
                    break;
                default:
                    list.InsertRange(at, Enumerable.Repeat((byte)'a', random.Next(1, 90_000)));
                    break;
            }
        }

        return [.. list];
    }

    /// <summary>Sends the bytes from a fake backend (then FIN) and reads them as Sockway does; "status:body" or the error.</summary>
    private async Task<string> ReadAsync(byte[] response)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = _listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        using var backend = await accept;
        var send = Task.Run(async () =>
        {
            try
            {
                await backend.SendAsync(response, SocketFlags.None);
                backend.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The reader gave up early (a limit) and closed: fine.
            }
        });

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var reader = new BackendResponseReader(client);
        string outcome;
        try
        {
            var head = await reader.ReadHeadAsync(patience.Token);
            var body = head.StatusCode == 101 ? reader.TakeLeftover() : await reader.ReadBodyAsync(head, patience.Token);
            outcome = $"{head.StatusCode}:{Encoding.Latin1.GetString(body)}";
        }
        catch (HttpRequestException ex)
        {
            outcome = ex.HttpRequestError.ToString();
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the reader hung on a finished response of {response.Length} bytes");
            throw;
        }

        client.Close();
        await send;
        return outcome;
    }

    public void Dispose() => _listener.Stop();
}
