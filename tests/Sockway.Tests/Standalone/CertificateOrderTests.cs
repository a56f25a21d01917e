using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Tls;
using Sockway.Testing;
using Sockway.Tests.Gateway;
using Xunit;
using Yarp.ReverseProxy.Configuration;

namespace Sockway.Tests.Standalone;

/// <summary>
/// The config that names a certificate is never served before the certificate is: at the moment YARP reports a config
/// applied (from then on its routes take requests, and it counts as served), every TLS route's host and, for a route
/// without hosts, an unknown name already get a certificate. (TlsCertificateSelectionTests once failed because the
/// certificates were loaded after the config became visible.)
/// </summary>
public sealed class CertificateOrderTests
{
    [Fact]
    public async Task When_yarp_serves_a_config_its_certificates_are_already_servable()
    {
        using var routes = new RouteDirectory();
        var (certificate, key) = TestCertificates.Create("a.test");
        var (fallback, fallbackKey) = TestCertificates.Create("default.test");
        routes.Write("backend.yaml", Manifests.Join(Manifests.Service("echo"), Manifests.Slices("echo", [9])));
        routes.Write("a.yaml", Manifests.Join(Manifests.Route("a", "/a", "echo", hosts: "a.test", extraSpec: "tls: {secretName: a-tls}"),
            TestCertificates.SecretYaml("a-tls", certificate, key)));
        var probe = new ServedConfigProbe();
        await using var sockway = await SockwayHost.StartAsync(routes.Path, true, services => services.AddSingleton<IConfigChangeListener>(sp =>
            probe.Attach(sp.GetRequiredService<CertificateStore>())));
        await sockway.WaitForConfigAsync(c => c.Certificates.Count == 1);

        routes.Write("default.yaml", Manifests.Join(Manifests.Route("fallback", "/fallback", "echo", extraSpec: "tls: {secretName: default-tls}"),
            TestCertificates.SecretYaml("default-tls", fallback, fallbackKey)));
        await sockway.WaitForConfigAsync(c => c.Certificates.Count == 2);

        Assert.True(probe.Checked >= 2, $"the probe saw {probe.Checked} applied config(s)");
        Assert.Empty(probe.Missing);
    }

    /// <summary>Runs right after YARP applies a config, and notes each TLS route host that would get no certificate.</summary>
    private sealed class ServedConfigProbe : IConfigChangeListener
    {
        private CertificateStore _certificates = null!;

        public List<string> Missing { get; } = [];

        public int Checked { get; private set; }

        public ServedConfigProbe Attach(CertificateStore certificates)
        {
            _certificates = certificates;
            return this;
        }

        public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
        {
            foreach (var route in proxyConfigs.SelectMany(c => c.Routes))
            {
                // Every route here terminates TLS; one without hosts provides the certificate for unknown names.
                foreach (var host in route.Match.Hosts is { Count: > 0 } hosts ? hosts : ["unknown.test"])
                {
                    if (_certificates.Select(host) is null)
                    {
                        lock (Missing)
                        {
                            Missing.Add($"{route.RouteId}: {host}");
                        }
                    }
                }
            }

            Checked++;
        }

        public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
        {
        }

        public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
        {
        }

        public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
        {
        }
    }
}
