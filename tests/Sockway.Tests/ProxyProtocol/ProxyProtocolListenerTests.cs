using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Gateway.ProxyProtocol;
using Sockway.Testing;
using Sockway.Tests.Gateway;
using Xunit;

namespace Sockway.Tests.ProxyProtocol;

/// <summary>
/// A real Sockway with --proxy-protocol, the load balancer played by raw sockets on loopback: the header's source
/// becomes the client (X-Forwarded-For at the backend), and anything but a whole valid header from a trusted source
/// is closed before a single byte of HTTP is answered.
/// </summary>
public sealed class ProxyProtocolListenerTests(ProxyProtocolListenerTests.Host host) : IClassFixture<ProxyProtocolListenerTests.Host>
{
    private static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.2");
    private readonly Scenario _scenario = host.Scenario;

    /// <summary>One Sockway for the class: PROXY headers taken from 127.0.0.1 only, a 1 s header timeout.</summary>
    public sealed class Host : IAsyncLifetime
    {
        public Scenario Scenario { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
            {
                ["echo.yaml"] = Manifests.Join(
                    Manifests.Route("echo", "/ws", "echo"),
                    Manifests.Route("limited", "/limited", "echo", extraSpec: "limits: {maxConnectionsPerClient: 1}"),
                    Manifests.Service("echo")) + Manifests.Slices("echo", [s.Backend.Port]),
            }, "default/echo", false, "--proxy-protocol", "127.0.0.1/32", "--Sockway:Gateway:ProxyProtocolTimeout", "00:00:01");

        public Task DisposeAsync() => Scenario.DisposeAsync().AsTask();
    }

    public static TheoryData<string, byte[], string> Headers => new()
    {
        { "v1 TCP4", ProxyHeaders.V1Tcp4("203.0.113.7", 40000), "203.0.113.7" },
        { "v1 TCP6", ProxyHeaders.V1Tcp6("2001:db8::7", 40000), "2001:db8::7" },
        { "v1 UNKNOWN", ProxyHeaders.V1("PROXY UNKNOWN\r\n"), "127.0.0.1" },
        { "v2 TCP4 with TLVs", ProxyHeaders.V2(IPAddress.Parse("198.51.100.9"), 7, (0x01, "http/1.1"u8.ToArray()), (0xEA, "vpce-1"u8.ToArray())), "198.51.100.9" },
        { "v2 TCP6", ProxyHeaders.V2(IPAddress.Parse("2001:db8:1:2::9"), 7), "2001:db8:1:2::9" },
        { "v2 LOCAL", ProxyHeaders.V2Local(), "127.0.0.1" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task The_header_source_is_the_client_the_backend_is_told_about(string name, byte[] header, string client)
    {
        using var tcp = await ConnectAsync(IPAddress.Loopback);
        var stream = tcp.GetStream();
        var path = "/ws/" + name.Replace(' ', '-');
        await stream.WriteAsync((byte[])[.. header, .. Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("a.test", path))]);

        Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(stream));
        var seen = Assert.Single(_scenario.Backend.Seen, r => r.Path == path);
        Assert.True(seen.IsWebSocket);
        Assert.Equal(client, seen.ForwardedFor);
    }

    [Fact]
    public async Task The_header_source_is_who_per_client_limits_count_IPv6_per_64()
    {
        var port = _scenario.Sockway.HttpUri.Port;
        byte[] From(string address) => ProxyHeaders.V2(IPAddress.Parse(address), 5000);
        using var first = await Limits.RawHandshake.OpenAsync(IPAddress.Loopback, port, "/limited/v6", prefix: From("2001:db8:1:2::1"));
        using var sameSubnet = await Limits.RawHandshake.OpenAsync(IPAddress.Loopback, port, "/limited/v6", prefix: From("2001:db8:1:2:ffff::2"));
        using var otherSubnet = await Limits.RawHandshake.OpenAsync(IPAddress.Loopback, port, "/limited/v6", prefix: From("2001:db8:1:3::1"));
        using var v4 = await Limits.RawHandshake.OpenAsync(IPAddress.Loopback, port, "/limited/v6", prefix: ProxyHeaders.V1Tcp4("203.0.113.77", 1));
        using var v4Again = await Limits.RawHandshake.OpenAsync(IPAddress.Loopback, port, "/limited/v6", prefix: ProxyHeaders.V1Tcp4("203.0.113.77", 2));

        Assert.Equal([101, 429, 101, 101, 429], new[] { first.Status, sameSubnet.Status, otherSubnet.Status, v4.Status, v4Again.Status });
        Assert.Equal(3, _scenario.Backend.Seen.Count(r => r.Path == "/limited/v6"));
    }

    [Fact]
    public async Task A_header_sent_a_byte_per_segment_works()
    {
        using var tcp = await ConnectAsync(IPAddress.Loopback);
        tcp.NoDelay = true;
        var stream = tcp.GetStream();
        foreach (var b in ProxyHeaders.V2(IPAddress.Parse("203.0.113.99"), 1234, (0x01, "h2"u8.ToArray())))
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
            await Task.Delay(1); // pacing, so each byte leaves in its own segment
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /ws/segments HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"));

        Assert.StartsWith("HTTP/1.1 200 ", await RawHttp.ReadHeadAsync(stream));
        Assert.Equal("203.0.113.99", Assert.Single(_scenario.Backend.Seen, r => r.Path == "/ws/segments").ForwardedFor);
    }

    [Theory]
    [MemberData(nameof(ProxyHeaderParserTests.Garbage), MemberType = typeof(ProxyHeaderParserTests))]
    public async Task Garbage_is_closed_before_any_HTTP(string name, byte[] garbage, string reason)
    {
        var answer = await SendAndReadAllAsync(IPAddress.Loopback, [.. garbage, .. Encoding.ASCII.GetBytes($"GET /ws/garbage HTTP/1.1\r\nHost: a.test\r\n\r\n")]);

        Assert.True(answer.Length == 0, $"{name}: answered '{Encoding.ASCII.GetString(answer)}'");
        Assert.DoesNotContain(_scenario.Backend.Seen, r => r.Path == "/ws/garbage");
        await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri, s => s.Sum("sockway_proxy_protocol_rejections_total", ("reason", reason)) >= 1);
    }

    [Fact]
    public async Task A_connection_from_an_untrusted_source_is_closed_even_with_a_valid_header()
    {
        var answer = await SendAndReadAllAsync(Untrusted, [.. ProxyHeaders.V1Tcp4("203.0.113.5", 1), .. "GET /ws/untrusted HTTP/1.1\r\nHost: a.test\r\n\r\n"u8.ToArray()]);

        Assert.Empty(answer);
        Assert.DoesNotContain(_scenario.Backend.Seen, r => r.Path == "/ws/untrusted");
        await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri, s => s.Sum("sockway_proxy_protocol_rejections_total", ("reason", ProxyRejection.UntrustedSource)) >= 1);
    }

    [Fact]
    public async Task A_header_slower_than_the_timeout_is_closed()
    {
        using var tcp = await ConnectAsync(IPAddress.Loopback);
        var stream = tcp.GetStream();
        await stream.WriteAsync("PROXY TCP4 203.0.113.1 "u8.ToArray());
        var started = DateTime.UtcNow;

        var answer = await ReadAllAsync(stream, TimeSpan.FromSeconds(15));

        Assert.Empty(answer);
        // Closed by the 1 s header timeout, not by the test's own 15 s bound.
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));
        await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri, s => s.Sum("sockway_proxy_protocol_rejections_total", ("reason", ProxyRejection.Timeout)) >= 1);
    }

    [Fact]
    public async Task A_client_speaking_HTTP_without_a_header_gets_no_HTTP_answer()
    {
        using var http = new HttpClient { BaseAddress = _scenario.Sockway.HttpUri, Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/ws/no-header"));
        Assert.DoesNotContain(_scenario.Backend.Seen, r => r.Path == "/ws/no-header");
        await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri, s => s.Sum("sockway_proxy_protocol_rejections_total", ("reason", ProxyRejection.Missing)) >= 1);
    }

    [Fact]
    public async Task Fuzz_mutated_headers_over_real_sockets_are_answered_only_when_valid()
    {
        var random = new Random(1616);
        var valid = Headers.Select(row => (byte[])row[1]).ToArray();
        for (var i = 0; i < 150; i++)
        {
            byte[] header = [.. valid[random.Next(valid.Length)]];
            for (var flips = random.Next(0, 3); flips > 0; flips--)
            {
                header[random.Next(header.Length)] = (byte)random.Next(256);
            }

            var path = $"/ws/fuzz-{i}";
            byte[] request = [.. header, .. Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")];
            var verdict = ProxyHeaderParser.Parse(new System.Buffers.ReadOnlySequence<byte>(request));
            var answer = Encoding.ASCII.GetString(await SendAndReadAllAsync(IPAddress.Loopback, request));
            if (verdict.Status == ProxyHeaderStatus.Complete && verdict.Length == header.Length)
            {
                Assert.StartsWith("HTTP/1.1 ", answer);
            }
            else if (verdict.Status != ProxyHeaderStatus.Complete)
            {
                Assert.True(answer.Length == 0, $"mutation {i} ({verdict.Reason}) answered '{answer}'");
                Assert.DoesNotContain(_scenario.Backend.Seen, r => r.Path == path);
            }
        }
    }

    // Bound to the source first: loopback /8 gives every test address its own client.
    private async Task<TcpClient> ConnectAsync(IPAddress source)
    {
        var tcp = new TcpClient(new IPEndPoint(source, 0));
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, _scenario.Sockway.HttpUri.Port);
            return tcp;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private async Task<byte[]> SendAndReadAllAsync(IPAddress source, byte[] bytes)
    {
        using var tcp = await ConnectAsync(source);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            return []; // closed while we were still writing
        }

        return await ReadAllAsync(stream, TimeSpan.FromSeconds(10));
    }

    // Until the server closes; a reset counts as closed. The bound fails the test instead of hanging it.
    private static async Task<byte[]> ReadAllAsync(NetworkStream stream, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
        }

        return received.ToArray();
    }
}
