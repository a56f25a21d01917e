using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>RFC 8441: WebSockets over HTTP/2 extended CONNECT on the TLS listener, matched by the same routes.</summary>
public sealed class Http2WebSocketTests : IAsyncLifetime
{
    private const string Host = "chat.sockway.test";
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        var (cert, key) = TestCertificates.Create(Host);
        _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["chat.yaml"] = Manifests.Join(
                Manifests.Route("chat", "/ws", "chat", hosts: Host, extraSpec: "tls:\n  secretName: chat-tls"),
                Manifests.Service("chat"),
                TestCertificates.SecretYaml("chat-tls", cert, key)) + Manifests.Slices("chat", [s.Backend.Port]),
        }, "default/chat", https: true);
    }

    [Fact]
    public async Task Echoes_over_http2_extended_connect()
    {
        using var invoker = new HttpMessageInvoker(LoopbackTlsHandler());
        using var socket = await WebSocketClient.ConnectAsync(new Uri($"wss://{Host}:{_scenario.Sockway.HttpsUri!.Port}/ws"), o =>
        {
            o.HttpVersion = HttpVersion.Version20;
            o.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            o.CollectHttpResponseDetails = true;
        }, invoker);

        // 200 (not 101) is the answer to an HTTP/2 extended CONNECT.
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode);
        Assert.Equal("over h2", await socket.RoundTripAsync("over h2"));
        Assert.Equal("backend-0", await socket.WhoAmIAsync());
        var seen = Assert.Single(_scenario.Backend.Seen, r => r.IsWebSocket);
        Assert.Equal($"{Host}:{_scenario.Sockway.HttpsUri.Port}", seen.Host);
        Assert.Equal("https", seen.ForwardedProto);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task Http11_upgrade_works_on_the_tls_listener_too()
    {
        using var invoker = new HttpMessageInvoker(LoopbackTlsHandler());
        using var socket = await WebSocketClient.ConnectAsync(new Uri($"wss://{Host}:{_scenario.Sockway.HttpsUri!.Port}/ws"),
            o => o.CollectHttpResponseDetails = true, invoker);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.Equal("over tls", await socket.RoundTripAsync("over tls"));
    }

    /// <summary>Resolves every host to loopback (the SNI name stays the route's host) and trusts the test certificate.</summary>
    internal static SocketsHttpHandler LoopbackTlsHandler(string host = Host) => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.Subject == $"CN={host}" },
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}
