namespace Sockway.Gateway.Configuration;

/// <summary>
/// The complete data-plane configuration: what the translator produces and the gateway serves.
/// Immutable; a new instance replaces the old one atomically.
/// </summary>
public sealed record GatewayConfig(
    IReadOnlyList<GatewayRoute> Routes,
    IReadOnlyList<TlsCertificate> Certificates)
{
    public static GatewayConfig Empty { get; } = new([], []);
}

/// <summary>A server certificate (PEM) for the listed SNI host names (wildcards like *.example.com allowed).</summary>
/// <remarks>The host <see cref="AnyHost"/> ("*") makes it the default: served for SNI names no other certificate covers.</remarks>
public sealed record TlsCertificate(string Id, IReadOnlyList<string> Hosts, string CertificatePem, string PrivateKeyPem)
{
    public const string AnyHost = "*";
}
