using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Sockway.Gateway.Configuration;

namespace Sockway.Gateway.Tls;

/// <summary>
/// Server certificates by SNI host name, loaded before each config is offered to YARP and read by Kestrel per TLS
/// handshake. A name no certificate covers gets the default certificate (that of a TLS route without hosts) if there is
/// one, and otherwise no certificate, so the handshake fails: a client is never shown a tenant's certificate for another
/// name.
/// </summary>
/// <remarks>
/// A certificate whose PEM did not change keeps its loaded instance (a key pair is parsed once per Secret version). One
/// that was replaced or removed is disposed only after <see cref="RetireAfter"/>: a handshake that selected it a moment
/// before the swap may still be using it, and Kestrel bounds a handshake to 10 s by default.
/// </remarks>
public sealed partial class CertificateStore : IDisposable
{
    /// <summary>How long a replaced certificate stays undisposed (well past Kestrel's default handshake timeout).</summary>
    public static readonly TimeSpan RetireAfter = TimeSpan.FromSeconds(60);

    private readonly ILogger<CertificateStore> _logger;
    private readonly TimeProvider _time;
    private readonly object _retireLock = new();
    private readonly List<(X509Certificate2 Certificate, long DisposeAt)> _retired = [];
    private readonly ITimer _sweeper;
    private volatile Selection _selection = Selection.Empty;
    private IReadOnlyList<TlsCertificate>? _source;
    private Dictionary<string, (TlsCertificate Source, X509Certificate2 Loaded)> _loaded = new(StringComparer.Ordinal);

    public CertificateStore(ILogger<CertificateStore> logger, TimeProvider? time = null)
    {
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(_ => DisposeRetired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True when at least one certificate is loaded.</summary>
    public bool HasCertificates => _selection.Count > 0;

    /// <summary>Certificates replaced but not yet disposed (they wait out handshakes that may still use them).</summary>
    public int Retiring
    {
        get
        {
            lock (_retireLock)
            {
                return _retired.Count;
            }
        }
    }

    /// <summary>Loads a config's certificates. Called by one applier at a time (the config store's apply lock).</summary>
    public void Load(IReadOnlyList<TlsCertificate> certificates)
    {
        DisposeRetired();
        if (ReferenceEquals(certificates, _source))
        {
            return;
        }

        var loaded = new Dictionary<string, (TlsCertificate Source, X509Certificate2 Loaded)>(StringComparer.Ordinal);
        var byHost = new Dictionary<string, X509Certificate2>(StringComparer.OrdinalIgnoreCase);
        X509Certificate2? fallback = null;
        foreach (var certificate in certificates)
        {
            if (Get(certificate) is not { } instance || !loaded.TryAdd(certificate.Id, (certificate, instance)))
            {
                continue;
            }

            foreach (var host in certificate.Hosts)
            {
                if (host == TlsCertificate.AnyHost)
                {
                    fallback ??= instance;
                }
                else
                {
                    byHost.TryAdd(host, instance);
                }
            }
        }

        // One swap: a handshake sees the old names and default together, or the new ones, never a mix.
        _selection = new Selection(byHost.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), fallback, loaded.Count);
        var kept = loaded.Values.Select(v => v.Loaded).ToHashSet(ReferenceEqualityComparer.Instance);
        Retire(_loaded.Values.Select(v => v.Loaded).Where(old => !kept.Contains(old)));
        _loaded = loaded;
        _source = certificates;
    }

    /// <summary>The certificate for an SNI name: exact host, then *.parent wildcard, then the default (or null: handshake fails).</summary>
    public X509Certificate2? Select(string? serverName)
    {
        var selection = _selection;
        if (!string.IsNullOrEmpty(serverName))
        {
            if (selection.ByHost.TryGetValue(serverName, out var exact))
            {
                return exact;
            }

            var dot = serverName.IndexOf('.');
            if (dot > 0 && selection.ByHost.TryGetValue("*" + serverName[dot..], out var wildcard))
            {
                return wildcard;
            }
        }

        return selection.Fallback;
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        _selection = Selection.Empty;
        foreach (var (_, loaded) in _loaded.Values)
        {
            loaded.Dispose();
        }

        lock (_retireLock)
        {
            _retired.ForEach(r => r.Certificate.Dispose());
            _retired.Clear();
        }
    }

    // The loaded instance for the same PEM (whatever its hosts), or a newly parsed one.
    private X509Certificate2? Get(TlsCertificate certificate)
    {
        if (_loaded.TryGetValue(certificate.Id, out var known)
            && known.Source.CertificatePem == certificate.CertificatePem && known.Source.PrivateKeyPem == certificate.PrivateKeyPem)
        {
            return known.Loaded;
        }

        try
        {
            return X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.PrivateKeyPem);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            LogInvalidCertificate(certificate.Id, ex.Message);
            return null;
        }
    }

    private void Retire(IEnumerable<X509Certificate2> replaced)
    {
        var disposeAt = _time.GetTimestamp() + (long)(RetireAfter.TotalSeconds * _time.TimestampFrequency);
        lock (_retireLock)
        {
            var before = _retired.Count;
            _retired.AddRange(replaced.Select(c => (c, disposeAt)));
            if (before == 0 && _retired.Count > 0)
            {
                _sweeper.Change(RetireAfter, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void DisposeRetired()
    {
        lock (_retireLock)
        {
            var now = _time.GetTimestamp();
            foreach (var (certificate, _) in _retired.Where(r => r.DisposeAt <= now))
            {
                certificate.Dispose();
            }

            _retired.RemoveAll(r => r.DisposeAt <= now);
            if (_retired.Count > 0)
            {
                var next = _retired.Min(r => r.DisposeAt) - now;
                _sweeper.Change(TimeSpan.FromSeconds((double)next / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate {CertificateId} could not be loaded: {Problem}")]
    private partial void LogInvalidCertificate(string certificateId, string problem);

    private sealed record Selection(FrozenDictionary<string, X509Certificate2> ByHost, X509Certificate2? Fallback, int Count)
    {
        public static Selection Empty { get; } = new(FrozenDictionary<string, X509Certificate2>.Empty, null, 0);
    }
}
