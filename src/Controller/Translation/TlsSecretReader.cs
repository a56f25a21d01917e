using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;

namespace Sockway.Controller.Translation;

/// <summary>A TLS Secret's certificate and key, checked; or the condition that says which key is wrong.</summary>
internal sealed record TlsSecretContents(string? CertificatePem, string? KeyPem, RouteCondition? Failure, string? Warning)
{
    /// <summary>The certificate's validity period (UTC), when it parsed.</summary>
    public (DateTime NotBefore, DateTime NotAfter) Validity { get; init; }

    /// <summary>Whether a translation at <paramref name="now"/> warns that the certificate is not valid.</summary>
    public bool WarnsAt(DateTimeOffset? now) =>
        Failure is null && now is { } at && (Validity.NotAfter < at.UtcDateTime || Validity.NotBefore > at.UtcDateTime);
}

/// <summary>
/// Checks a route's TLS Secret the way the handshake will use it: the type, PEM that parses under tls.crt, a private
/// key under tls.key that matches the certificate, and (warning only) the validity period. Pure: the time is passed in.
/// </summary>
internal static class TlsSecretReader
{
    public const string TlsType = "kubernetes.io/tls";
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";

    public static TlsSecretContents Read(V1Secret secret, DateTimeOffset? now) => WithWarning(secret, Read(secret), now);

    /// <summary>Adds the warning a translation at <paramref name="now"/> gives for contents read from <paramref name="secret"/>.</summary>
    public static TlsSecretContents WithWarning(V1Secret secret, TlsSecretContents contents, DateTimeOffset? now)
    {
        return contents.WarnsAt(now)
            ? contents with
            {
                Warning = $"Secret {IdOf(secret)}: the certificate in {CertificateKey} is valid only from {contents.Validity.NotBefore:u} to {contents.Validity.NotAfter:u}; clients will reject it",
            }
            : contents;
    }

    /// <summary>The Secret's contents, checked, without the time-dependent warning (the same for every translation).</summary>
    public static TlsSecretContents Read(V1Secret secret)
    {
        var id = IdOf(secret);
        // An API server defaults a missing type to Opaque; files may leave it out and still mean TLS.
        if (secret.Type is { Length: > 0 } type && type != TlsType)
        {
            return Invalid($"Secret {id} is of type '{type}'; a route's tls.secretName must name a Secret of type {TlsType}");
        }

        var certificatePem = Value(secret, CertificateKey);
        var keyPem = Value(secret, PrivateKeyKey);
        if (certificatePem is null || keyPem is null)
        {
            return Invalid($"Secret {id} has no {(certificatePem is null ? CertificateKey : PrivateKeyKey)} key");
        }

        var (problem, notBefore, notAfter) = Check(certificatePem, keyPem);
        if (problem is not null)
        {
            return Invalid($"Secret {id}: {problem}");
        }

        return new TlsSecretContents(certificatePem, keyPem, null, null) { Validity = (notBefore, notAfter) };
    }

    private static string IdOf(V1Secret secret) => $"{SnapshotIndex.NamespaceOf(secret.Metadata)}/{secret.Metadata.Name}";

    // Parsing a key pair costs milliseconds and every apply reads every TLS Secret: the answer for the same PEM text is
    // remembered (a pure function's memo; bounded, and cleared whole when full).
    private static (string? Problem, DateTime NotBefore, DateTime NotAfter) Check(string certificatePem, string keyPem)
    {
        if (Checked.TryGetValue((certificatePem, keyPem), out var known))
        {
            return known;
        }

        if (Checked.Count >= MaxRemembered)
        {
            Checked.Clear();
        }

        return Checked[(certificatePem, keyPem)] = Parse(certificatePem, keyPem);
    }

    private const int MaxRemembered = 4096;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), (string?, DateTime, DateTime)> Checked = new();

    private static (string? Problem, DateTime NotBefore, DateTime NotAfter) Parse(string certificatePem, string keyPem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return ($"{CertificateKey} is not a PEM certificate ({ex.Message})", default, default);
        }

        using (certificate)
        {
            try
            {
                using var withKey = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                return ($"{PrivateKeyKey} is not a PEM private key matching the certificate in {CertificateKey} ({ex.Message})", default, default);
            }

            return (null, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
        }
    }

    private static TlsSecretContents Invalid(string message) =>
        new(null, null, new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.InvalidSecret, message), null);

    private static string? Value(V1Secret secret, string name)
    {
        if (secret.Data?.TryGetValue(name, out var bytes) == true && bytes is not null)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        return secret.StringData?.TryGetValue(name, out var text) == true ? text : null;
    }
}
