using System.Net;

namespace Sockway.Gateway.Forwarded;

/// <summary>
/// The networks whose X-Forwarded-* headers Sockway believes (a load balancer or CDN in front of it). Parsed once from
/// <see cref="Hosting.GatewayOptions.TrustedProxies"/>: a comma-separated list of CIDRs or single addresses.
/// </summary>
public sealed class TrustedProxies
{
    public const int MaxEntries = 256;

    private readonly IPNetwork[] _networks;

    private TrustedProxies(IPNetwork[] networks) => _networks = networks;

    public static TrustedProxies None { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    public bool IsTrusted(IPAddress? address)
    {
        if (address is null || _networks.Length == 0)
        {
            return false;
        }

        var normal = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(normal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d; they are matched as a.b.c.d.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Parses the list; on failure <paramref name="error"/> names the entry at fault.</summary>
    public static bool TryParse(string? text, out TrustedProxies proxies, out string? error)
    {
        proxies = None;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var entries = text.Split(',', StringSplitOptions.TrimEntries);
        if (entries.Length > MaxEntries)
        {
            error = $"{entries.Length} entries, at most {MaxEntries} are allowed";
            return false;
        }

        var networks = new List<IPNetwork>(entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (TryParseEntry(entry) is { } network)
            {
                networks.Add(network);
                continue;
            }

            var shown = entry.Length <= 60 ? entry : entry[..60] + "…";
            error = $"entry {i + 1} '{shown}' is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)";
            return false;
        }

        proxies = new TrustedProxies([.. networks]);
        return true;
    }

    private static IPNetwork? TryParseEntry(string entry)
    {
        var slash = entry.IndexOf('/');
        var addressText = slash < 0 ? entry : entry[..slash];
        // IPAddress.TryParse reads "10" as 0.0.0.10 and "10.1" as 10.0.0.1: only full dotted quads or IPv6 are taken.
        var isV6 = addressText.Contains(':');
        if (!isV6 && addressText.Count(c => c == '.') != 3 || !IPAddress.TryParse(addressText, out var address))
        {
            return null;
        }

        if (slash < 0)
        {
            var single = Normalize(address);
            return new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        // Bits set past the prefix (10.0.0.1/8) are a typo a user should hear about, not something to mask silently.
        return IPNetwork.TryParse(entry, out var network) && network.BaseAddress.Equals(address) ? network : null;
    }
}
