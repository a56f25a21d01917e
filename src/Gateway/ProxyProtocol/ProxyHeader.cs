using System.Net;

namespace Sockway.Gateway.ProxyProtocol;

internal enum ProxyHeaderStatus
{
    /// <summary>What arrived so far is a valid start; wait for more.</summary>
    NeedMore,
    Invalid,
    Complete,
}

/// <summary>The label values of sockway.proxy_protocol.rejections.</summary>
internal static class ProxyRejection
{
    /// <summary>The connection came from an address not listed in --proxy-protocol.</summary>
    public const string UntrustedSource = "untrusted_source";

    /// <summary>The first bytes are not a PROXY signature (a client speaking HTTP or TLS straight to Sockway).</summary>
    public const string Missing = "missing";

    /// <summary>The signature matched; the rest breaks the grammar (version, command, family, address, length, TLVs).</summary>
    public const string Malformed = "malformed";

    /// <summary>A v1 line past 107 bytes, or a v2 header past <see cref="ProxyHeaderParser.MaxV2Length"/>.</summary>
    public const string TooLong = "too_long";

    /// <summary>The connection ended inside the header.</summary>
    public const string Truncated = "truncated";

    /// <summary>The header was not complete within the header timeout.</summary>
    public const string Timeout = "timeout";
}

/// <summary>
/// A parsed (or refused) PROXY header. <see cref="Source"/> is null for headers that keep the socket's own address:
/// v2 LOCAL (a load balancer's health check), v1 UNKNOWN, v2 UNSPEC and AF_UNIX.
/// </summary>
internal readonly record struct ProxyHeader(ProxyHeaderStatus Status, int Length, IPEndPoint? Source, string? Reason, string? Problem)
{
    public static ProxyHeader NeedMore => default;

    public static ProxyHeader Done(int length, IPEndPoint? source) => new(ProxyHeaderStatus.Complete, length, source, null, null);

    public static ProxyHeader Refuse(string reason, string problem) => new(ProxyHeaderStatus.Invalid, 0, null, reason, problem);
}
