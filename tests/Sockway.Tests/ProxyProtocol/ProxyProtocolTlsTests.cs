using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Sockway.Testing;
using Sockway.Tests.Gateway;
using Xunit;

namespace Sockway.Tests.ProxyProtocol;

/// <summary>On the HTTPS listener the PROXY header comes first, before the TLS ClientHello (as an L4 load balancer sends it).</summary>
public sealed class ProxyProtocolTlsTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        var (certificate, key) = TestCertificates.Create("a.test");
        _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["a.yaml"] = Manifests.Join(Manifests.Route("a", "/a", "echo", hosts: "a.test", extraSpec: "tls: {secretName: a-tls}"),
                TestCertificates.SecretYaml("a-tls", certificate, key), Manifests.Service("echo")) + Manifests.Slices("echo", [s.Backend.Port]),
        }, "default/a", https: true, "--proxy-protocol", "127.0.0.0/8");
        await _scenario.Sockway.WaitForConfigAsync(c => c.Certificates.Any(x => x.Id == "default/a-tls"));
    }

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();

    [Fact]
    public async Task A_header_before_the_ClientHello_gives_the_backend_the_client_address()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _scenario.Sockway.HttpsUri!.Port);
        await tcp.GetStream().WriteAsync(ProxyHeaders.V2(IPAddress.Parse("2001:db8::42"), 3333, (0x20, new byte[5])));
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "a.test", ApplicationProtocols = [SslApplicationProtocol.Http11] });
        await tls.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("a.test", "/a/tls")));

        Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(tls));
        Assert.Equal("2001:db8::42", Assert.Single(_scenario.Backend.Seen, r => r.Path == "/a/tls").ForwardedFor);
    }

    [Fact]
    public async Task A_ClientHello_without_a_header_is_closed_without_a_TLS_answer()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _scenario.Sockway.HttpsUri!.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "a.test" }).WaitAsync(TimeSpan.FromSeconds(10)));

        // Closed by Sockway (the connection ends mid-handshake), not left hanging until the test's bound.
        Assert.IsNotType<TimeoutException>(error);
        Assert.DoesNotContain(_scenario.Backend.Seen, r => r.Path.StartsWith("/a", StringComparison.Ordinal));
    }
}
