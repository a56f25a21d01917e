using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Sockway.Testing;
using Sockway.Tests.Corpus;
using Sockway.Tests.Gateway;
using Xunit;

namespace Sockway.Tests.Standalone;

/// <summary>
/// Which certificate a TLS client is shown: its host's own, or the default one (a TLS route without hosts), or none
/// (the handshake fails). Never another tenant's: not for a host whose Secret is broken, not for an unknown name.
/// </summary>
public sealed class TlsCertificateSelectionTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        var (certificate, key) = TestCertificates.Create("a.test");
        _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            [CorpusSnapshot.GoodFile] = CorpusSnapshot.GoodManifests(s.Backend.Port),
            ["a.yaml"] = Manifests.Join(Manifests.Route("a", "/a", "echo", hosts: "a.test", extraSpec: "tls: {secretName: a-tls}"),
                TestCertificates.SecretYaml("a-tls", certificate, key)),
            // tls.crt is not PEM: b.test must get no certificate at all, not a.test's.
            ["b.yaml"] = Manifests.Join(Manifests.Route("b", "/b", "echo", hosts: "b.test", extraSpec: "tls: {secretName: b-tls}"),
                TestCertificates.SecretYaml("b-tls", "not a certificate", key)),
        }, "default/a", https: true);
    }

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();

    [Fact]
    public async Task A_host_whose_secret_is_broken_and_an_unknown_name_fail_the_handshake_instead_of_getting_another_certificate()
    {
        Assert.Equal("CN=a.test", (await HandshakeAsync("a.test"))?.Subject);

        var report = await RouteReport.ReadAsync(_scenario.Sockway);
        Assert.StartsWith("ResolvedRefs=False InvalidSecret", report.Condition("default/b", "ResolvedRefs"));
        Assert.Contains("tls.crt", report.Condition("default/b", "ResolvedRefs"));
        Assert.StartsWith("Ready=False", report.Condition("default/b", "Ready"));
        Assert.Null(await HandshakeAsync("b.test"));
        Assert.Null(await HandshakeAsync("unknown.test"));
    }

    [Fact]
    public async Task A_tls_route_without_hosts_provides_the_default_certificate_for_unknown_names()
    {
        var (certificate, key) = TestCertificates.Create("default.test");
        _scenario.Routes.Write("default.yaml", Manifests.Join(Manifests.Route("fallback", "/fallback", "echo", extraSpec: "tls: {secretName: default-tls}"),
            TestCertificates.SecretYaml("default-tls", certificate, key)));
        await _scenario.Sockway.WaitForConfigAsync(c => c.Certificates.Any(x => x.Id == "default/default-tls"));

        Assert.Equal("CN=default.test", (await HandshakeAsync("unknown.test"))?.Subject);
        Assert.Equal("CN=a.test", (await HandshakeAsync("a.test"))?.Subject);
    }

    /// <summary>The certificate the server presented for an SNI name, or null when the handshake failed.</summary>
    private async Task<X509Certificate2?> HandshakeAsync(string serverName)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _scenario.Sockway.HttpsUri!.Port);
        X509Certificate2? presented = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            presented = certificate is null ? null : new X509Certificate2(certificate);
            return true;
        });
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName }).WaitAsync(TimeSpan.FromSeconds(10));
            return presented;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return null;
        }
    }
}
