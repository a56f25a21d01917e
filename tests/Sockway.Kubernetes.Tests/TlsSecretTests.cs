using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Kubernetes.Tests.ApiDouble;
using Xunit;
using Sockway.Testing;

namespace Sockway.Kubernetes.Tests;

/// <summary>Only kubernetes.io/tls Secrets reach the controller, and routes naming one get its certificate.</summary>
public sealed class TlsSecretTests : ClusterTestBase
{
    [Fact]
    public async Task TlsSecrets_AreTheOnlySecretsWatched_AndARouteNamingOneResolves()
    {
        var sockway = await StartSockwayAsync();
        Cluster.Apply(ResourceKey.Secrets, new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "db-password", NamespaceProperty = "default" },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["password"] = "hunter2"u8.ToArray() },
        });
        var (cert, key) = SelfSigned("chat.example.com");
        Cluster.Apply(ResourceKey.Secrets, new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "chat-tls", NamespaceProperty = "default" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(cert), ["tls.key"] = Encoding.UTF8.GetBytes(key) },
        });
        Cluster.ApplyService("echo");
        var route = TlsRoute("chat", "chat-tls");
        Cluster.Apply(ResourceKey.WebSocketRoutes, route);

        await sockway.WaitForConfigAsync(c => c.Certificates.Any(x => x.Id == "default/chat-tls"));
        await Eventually.TrueAsync(() => Cluster.RouteCondition("chat", RouteConditions.ResolvedRefs)?.Status == "True");
        var secrets = sockway.Source.Informers.Single(i => i.Name.StartsWith("secrets", StringComparison.Ordinal));
        Assert.Equal(1, secrets.Count);
        Assert.All(Api.Calls.Where(c => c.Resource == "secrets"), c => Assert.Contains(c.Verb, new[] { "list", "watch" }));
    }

    private static WebSocketRoute TlsRoute(string name, string secret) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new WebSocketRouteSpec
        {
            Hosts = ["chat.example.com"],
            Path = "/chat",
            Tls = new TlsSpec { SecretName = secret },
            Backend = new BackendRef { Service = new ServiceBackendRef { Name = "echo", Port = "http" } },
        },
    };

    private static (string Cert, string Key) SelfSigned(string host)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), rsa.ExportPkcs8PrivateKeyPem());
    }
}
