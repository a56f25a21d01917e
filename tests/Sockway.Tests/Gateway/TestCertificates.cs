using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sockway.Tests.Gateway;

/// <summary>Self-signed server certificates for TLS tests, as the PEM a kubernetes.io/tls Secret holds.</summary>
internal static class TestCertificates
{
    public static (string CertificatePem, string KeyPem) Create(params string[] hosts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hosts[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            san.AddDnsName(host);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public static string SecretYaml(string name, string certificatePem, string keyPem, string ns = "default") => $"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: {name}
          namespace: {ns}
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        {Indent(certificatePem)}
          tls.key: |
        {Indent(keyPem)}
        """;

    private static string Indent(string pem) => string.Join('\n', pem.Trim().Split('\n').Select(l => "    " + l));
}
