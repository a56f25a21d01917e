using System.Net;
using Microsoft.AspNetCore.Http;

namespace Sockway.Gateway.Forwarded;

/// <summary>
/// Who the client is, resolved once per request (see <see cref="ClientAddressMiddleware"/>): the peer, or — when the
/// peer is a trusted proxy — the nearest address in X-Forwarded-For that is not. The one place logs and per-client
/// limits read it from.
/// </summary>
public sealed class ClientAddress
{
    public ClientAddress(IPAddress? address, bool viaTrustedProxy)
    {
        Address = address;
        ViaTrustedProxy = viaTrustedProxy;
    }

    public IPAddress? Address { get; }

    /// <summary>The peer is a trusted proxy: the X-Forwarded-* headers it sent are believed and extended.</summary>
    public bool ViaTrustedProxy { get; }

    public static ClientAddress? Of(HttpContext context) => context.Features.Get<ClientAddress>();

    /// <summary>
    /// Walks X-Forwarded-For from the right (the hop nearest Sockway) past trusted proxies; the first address that is
    /// not one is the client. An entry that is not an address ends the walk: the last hop that could be checked is
    /// taken, never a value the client may have written.
    /// </summary>
    public static ClientAddress Resolve(IPAddress? peer, IReadOnlyList<string> forwardedFor, TrustedProxies proxies)
    {
        var normalPeer = peer is null ? null : TrustedProxies.Normalize(peer);
        if (!proxies.IsTrusted(normalPeer))
        {
            return new ClientAddress(normalPeer, false);
        }

        var client = normalPeer;
        for (var i = forwardedFor.Count - 1; i >= 0; i--)
        {
            var hops = forwardedFor[i].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var j = hops.Length - 1; j >= 0; j--)
            {
                if (ParseHop(hops[j]) is not { } hop)
                {
                    return new ClientAddress(client, true);
                }

                client = hop;
                if (!proxies.IsTrusted(hop))
                {
                    return new ClientAddress(client, true);
                }
            }
        }

        return new ClientAddress(client, true);
    }

    // X-Forwarded-For hops are bare addresses, though some proxies add a port ("1.2.3.4:5", "[::1]:5").
    private static IPAddress? ParseHop(string hop)
    {
        if (hop.StartsWith('['))
        {
            var close = hop.IndexOf(']');
            return close > 0 && IPAddress.TryParse(hop.AsSpan(1, close - 1), out var v6) ? TrustedProxies.Normalize(v6) : null;
        }

        var colon = hop.IndexOf(':');
        var text = colon > 0 && hop.IndexOf(':', colon + 1) < 0 ? hop[..colon] : hop;
        return (text.Contains(':') || text.Count(c => c == '.') == 3) && IPAddress.TryParse(text, out var address) ? TrustedProxies.Normalize(address) : null;
    }
}
