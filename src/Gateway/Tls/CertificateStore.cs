using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Sockway.Gateway.Configuration;

namespace Sockway.Gateway.Tls;

/// <summary>
/// Server certificates by SNI host name, rebuilt on every config apply and read by Kestrel per TLS handshake. A name
/// no certificate covers gets the default certificate (that of a TLS route without hosts) if there is one, and
/// otherwise no certificate, so the handshake fails: a client is never shown a tenant's certificate for another name.
/// </summary>
public sealed partial class CertificateStore
{
    private readonly ILogger<CertificateStore> _logger;
    private volatile FrozenDictionary<string, X509Certificate2> _byHost = FrozenDictionary<string, X509Certificate2>.Empty;
    private volatile X509Certificate2? _fallback;

    public CertificateStore(ILogger<CertificateStore> logger) => _logger = logger;

    /// <summary>True when at least one certificate is loaded.</summary>
    public bool HasCertificates { get; private set; }

    public void Load(IReadOnlyList<TlsCertificate> certificates)
    {
        var byHost = new Dictionary<string, X509Certificate2>(StringComparer.OrdinalIgnoreCase);
        X509Certificate2? fallback = null;
        var loadedAny = false;
        foreach (var certificate in certificates)
        {
            X509Certificate2 loaded;
            try
            {
                loaded = X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.PrivateKeyPem);
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                LogInvalidCertificate(certificate.Id, ex.Message);
                continue;
            }

            foreach (var host in certificate.Hosts)
            {
                if (host == TlsCertificate.AnyHost)
                {
                    fallback ??= loaded;
                }
                else
                {
                    byHost.TryAdd(host, loaded);
                }
            }

            loadedAny = true;
        }

        _byHost = byHost.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _fallback = fallback;
        HasCertificates = loadedAny;
    }

    /// <summary>The certificate for an SNI name: exact host, then *.parent wildcard, then the default (or null: handshake fails).</summary>
    public X509Certificate2? Select(string? serverName)
    {
        var byHost = _byHost;
        if (!string.IsNullOrEmpty(serverName))
        {
            if (byHost.TryGetValue(serverName, out var exact))
            {
                return exact;
            }

            var dot = serverName.IndexOf('.');
            if (dot > 0 && byHost.TryGetValue("*" + serverName[dot..], out var wildcard))
            {
                return wildcard;
            }
        }

        return _fallback;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate {CertificateId} could not be loaded: {Problem}")]
    private partial void LogInvalidCertificate(string certificateId, string problem);
}
