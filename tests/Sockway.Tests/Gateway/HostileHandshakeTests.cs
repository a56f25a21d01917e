using System.Net.Sockets;
using System.Text;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>A route that would proxy anything (plain HTTP allowed) and one real backend, shared by the corpus.</summary>
public sealed class OpenRouteFixture : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public TestBackend Backend => _scenario.Backend;

    public int Port => _scenario.Sockway.HttpUri.Port;

    public async Task InitializeAsync() => _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
    {
        ["open.yaml"] = Manifests.Join(Manifests.Route("open", "/ws", "open"), Manifests.Service("open")) + Manifests.Slices("open", [s.Backend.Port]),
    }, "default/open");

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}

/// <summary>
/// Malformed and adversarial handshakes, sent byte for byte on a raw socket to a route that allows plain HTTP (so
/// nothing is refused merely for not being a WebSocket). Each gets its expected answer, and the backend sees nothing.
/// 0 as the status means "the connection is closed without an answer".
/// </summary>
public sealed class HostileHandshakeTests(OpenRouteFixture fixture) : IClassFixture<OpenRouteFixture>
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Ws = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    private const string V13 = "Sec-WebSocket-Version: 13\r\n";
    private const string KeyLine = $"Sec-WebSocket-Key: {Key}\r\n";
    private const string Valid = $"{Ws}{KeyLine}{V13}";

    private static string Get(string headers, string version = "HTTP/1.1", string target = "/ws", string host = "Host: a\r\n") =>
        $"GET {target} {version}\r\n{host}{headers}\r\n";

    // Sockway's own refusals say why in the body; Kestrel's (malformed HTTP) are empty.
    public static TheoryData<string, string, int, bool> Corpus => new()
    {
        // Protocol versions: a WebSocket needs HTTP/1.1 (RFC 6455 §4.1).
        { "HTTP/1.0 upgrade", Get(Valid, "HTTP/1.0"), 400, true },
        { "HTTP/1.0 upgrade with keep-alive", Get($"Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n{KeyLine}{V13}", "HTTP/1.0"), 400, true },
        { "HTTP/0.9 request line", "GET /ws\r\n\r\n", 400, false },
        { "HTTP/1.2", Get(Valid, "HTTP/1.2"), 505, false },
        { "HTTP/2.0 on an HTTP/1 connection", Get(Valid, "HTTP/2.0"), 505, false },
        { "lower-case protocol", Get(Valid, "http/1.1"), 505, false },

        // Bodies: an upgrade request has none; one that does would reach the backend as a plain GET.
        { "Content-Length: 5 with a body", Get($"{Valid}Content-Length: 5\r\n") + "hello", 400, true },
        { "Content-Length: 1 without the byte", Get($"{Valid}Content-Length: 1\r\n"), 400, true },
        { "chunked body", Get($"{Valid}Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", 400, true },
        { "gzip, chunked body", Get($"{Valid}Transfer-Encoding: gzip, chunked\r\n") + "0\r\n\r\n", 400, true },
        { "Content-Length and Transfer-Encoding", Get($"{Valid}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n", 400, false },
        { "two different Content-Lengths", Get($"{Valid}Content-Length: 1\r\nContent-Length: 2\r\n") + "ab", 400, false },
        { "negative Content-Length", Get($"{Valid}Content-Length: -1\r\n"), 400, false },

        // Sec-WebSocket-Key: exactly one, base64 of 16 bytes (RFC 6455 §4.1 item 7).
        { "missing key", Get($"{Ws}{V13}"), 400, true },
        { "empty key", Get($"{Ws}Sec-WebSocket-Key: \r\n{V13}"), 400, true },
        { "short key", Get($"{Ws}Sec-WebSocket-Key: c2hvcnQ=\r\n{V13}"), 400, true },
        { "17-byte key", Get($"{Ws}Sec-WebSocket-Key: {Convert.ToBase64String(new byte[17])}\r\n{V13}"), 400, true },
        { "unpadded key", Get($"{Ws}Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA\r\n{V13}"), 400, true },
        { "non-base64 key", Get($"{Ws}Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\n{V13}"), 400, true },
        { "key with a space inside", Get($"{Ws}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j ZQ=\r\n{V13}"), 400, true },
        { "two key headers", Get($"{Ws}{KeyLine}Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n{V13}"), 400, true },
        { "two keys in one header", Get($"{Ws}Sec-WebSocket-Key: {Key}, AAAAAAAAAAAAAAAAAAAAAA==\r\n{V13}"), 400, true },

        // Sec-WebSocket-Version: exactly one number; 13 is the only one spoken.
        { "missing version", Get($"{Ws}{KeyLine}"), 400, true },
        { "two version headers", Get($"{Ws}{KeyLine}{V13}{V13}"), 400, true },
        { "two versions in one header", Get($"{Ws}{KeyLine}Sec-WebSocket-Version: 13, 8\r\n"), 400, true },
        { "version with a leading zero", Get($"{Ws}{KeyLine}Sec-WebSocket-Version: 013\r\n"), 400, true },
        { "version not a number", Get($"{Ws}{KeyLine}Sec-WebSocket-Version: thirteen\r\n"), 400, true },
        { "version out of range", Get($"{Ws}{KeyLine}Sec-WebSocket-Version: 256\r\n"), 400, true },

        // The Upgrade/Connection pair and the method.
        { "no Connection header", Get($"Upgrade: websocket\r\n{KeyLine}{V13}"), 400, true },
        { "Connection: keep-alive only", Get($"Upgrade: websocket\r\nConnection: keep-alive\r\n{KeyLine}{V13}"), 400, true },
        { "POST upgrade", $"POST /ws HTTP/1.1\r\nHost: a\r\n{Valid}Content-Length: 0\r\n\r\n", 400, true },
        { "PUT upgrade", $"PUT /ws HTTP/1.1\r\nHost: a\r\n{Valid}Content-Length: 0\r\n\r\n", 400, true },
        { "lower-case get", $"get /ws HTTP/1.1\r\nHost: a\r\n{Valid}\r\n", 400, true },
        { "CONNECT in origin form", $"CONNECT /ws HTTP/1.1\r\nHost: a\r\n{Valid}\r\n", 400, false },
        { "method with a bad character", $"G@T /ws HTTP/1.1\r\nHost: a\r\n{Valid}\r\n", 400, false },

        // Other upgrade protocols are refused, never tunnelled (and never given WebSocket Close frames).
        { "h2c upgrade", Get("Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"), 400, true },
        { "SPDY upgrade", Get("Upgrade: SPDY/3.1\r\nConnection: Upgrade\r\n"), 400, true },
        { "custom-protocol upgrade", Get("Upgrade: my-protocol\r\nConnection: Upgrade\r\n"), 400, true },
        { "custom upgrade without Connection", Get("Upgrade: my-protocol\r\n"), 400, true },

        // Request targets and Host.
        { "absolute-form target for another host", Get(Valid, target: "http://other.test/ws"), 400, false },
        { "asterisk-form target", Get(Valid, target: "*"), 405, false },
        { "missing Host", Get(Valid, host: string.Empty), 400, false },
        { "two Host headers", Get(Valid, host: "Host: a\r\nHost: b\r\n"), 400, false },
        { "NUL byte in the path", Get(Valid, target: "/ws\0x"), 400, false },

        // Header syntax.
        { "obsolete line folding", Get($"{Ws}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n ZQ==\r\n{V13}"), 400, false },
        { "NUL byte in a header value", Get($"{Ws}{KeyLine}{V13}X-Evil: a\0b\r\n"), 400, false },
        { "space before the colon", Get($"Upgrade : websocket\r\nConnection: Upgrade\r\n{KeyLine}{V13}"), 400, false },
        { "header line without a colon", Get($"{Valid}NoColonHere\r\n"), 400, false },
        { "control character in a header name", Get($"{Valid}X-\u0001Bad: 1\r\n"), 400, true },
        { "control character in a header value", Get($"{Valid}X-Bad: a\u0001b\r\n"), 400, true },
        { "DEL in a header value", Get($"{Valid}X-Bad: a\u007fb\r\n"), 400, true },
        { "one 40 KiB header", Get($"{Valid}X-Big: {new string('a', 40 * 1024)}\r\n"), 431, false },
        { "200 headers", Get(Valid + string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: {i}\r\n"))), 431, false },
        { "9 KiB request target", Get(Valid, target: "/ws/" + new string('a', 9 * 1024)), 414, false },

        // Garbage behind a refused handshake is never read as a tunnel or a second request for the backend.
        { "bad key, then frame bytes", Get($"{Ws}Sec-WebSocket-Key: c2hvcnQ=\r\n{V13}") + "\u0081\u0085garbage", 400, true },
        { "chunked body, then a second upgrade", Get($"{Valid}Transfer-Encoding: chunked\r\n") + "0\r\n\r\n" + Get(Valid), 400, true },
        { "bad key, then a pipelined HTTP/1.0 upgrade", Get($"{Ws}{V13}") + Get(Valid, "HTTP/1.0"), 400, true },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Refused_before_the_backend(string what, string request, int status, bool explained)
    {
        var before = fixture.Backend.Requests;

        var (head, body) = await SendAsync(request);
        if (explained && status == 400)
        {
            // Refused handshakes close the connection, so nothing pipelined behind them is ever read.
            Assert.Contains("\r\nConnection: close\r\n", head, StringComparison.OrdinalIgnoreCase);
        }

        Assert.True(status == 0 ? head.Length == 0 : head.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{what}: got '{head}'");
        if (explained)
        {
            Assert.False(string.IsNullOrWhiteSpace(body), $"{what}: the refusal should say why");
        }

        Assert.True(before == fixture.Backend.Requests, $"{what}: the backend saw {string.Join("; ", fixture.Backend.Seen)}");
    }

    [Fact]
    public async Task A_wrong_version_gets_426_naming_the_version_and_the_upgrade()
    {
        var before = fixture.Backend.Requests;

        var (head, _) = await SendAsync(Get($"{Ws}{KeyLine}Sec-WebSocket-Version: 8\r\n"));

        Assert.StartsWith("HTTP/1.1 426 ", head);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nUpgrade: websocket\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nConnection: Upgrade\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, fixture.Backend.Requests);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(100)]
    public async Task A_head_cut_short_is_never_forwarded(int length)
    {
        var before = fixture.Backend.Requests;
        var request = Encoding.ASCII.GetBytes(Get(Valid));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Port);
        var stream = tcp.GetStream();

        // Slowloris: the head trickles in a byte at a time, then the client gives up (FIN) before the blank line.
        foreach (var b in request.AsSpan(0, length).ToArray())
        {
            await stream.WriteAsync(new[] { b });
        }

        tcp.Client.Shutdown(SocketShutdown.Send);
        var head = await RawHttp.ReadHeadAsync(stream);

        Assert.True(head.Length == 0 || head.StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal), head);
        Assert.Equal(before, fixture.Backend.Requests);
    }

    [Fact]
    public async Task A_valid_handshake_still_reaches_the_backend()
    {
        var before = fixture.Backend.Requests;

        var (head, _) = await SendAsync(Get(Valid));

        Assert.StartsWith("HTTP/1.1 101 ", head);
        Assert.Equal(before + 1, fixture.Backend.Requests);
    }

    private async Task<(string Head, string Body)> SendAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Port);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        }
        catch (IOException)
        {
            // Kestrel may answer and close before a large request is fully written; the answer is still readable.
        }

        var head = await ReadHeadOrEmptyAsync(stream);
        var length = System.Text.RegularExpressions.Regex.Match(head, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var body = length.Success && int.Parse(length.Groups[1].Value) is > 0 and var n ? await ReadBodyAsync(stream, n) : string.Empty;
        return (head, body);
    }

    private static async Task<string> ReadHeadOrEmptyAsync(Stream stream)
    {
        try
        {
            return await RawHttp.ReadHeadAsync(stream);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static async Task<string> ReadBodyAsync(Stream stream, int length)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, timeout.Token);
        return Encoding.UTF8.GetString(body);
    }
}
