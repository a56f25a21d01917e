using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Sockway.Controller.Translation;

/// <summary>
/// The API server's rules for an EndpointSlice's addresses and ports, applied to slices from files (which no API
/// server checked) and, defensively, to every slice the resolver reads: a bad address or port is reported, never served.
/// </summary>
internal static class EndpointSliceValidator
{
    /// <summary>Problems as "field: problem" (field relative to the object, e.g. "endpoints[0].addresses[1]").</summary>
    public static List<string> Validate(V1EndpointSlice slice)
    {
        var problems = new List<string>();
        var family = slice.AddressType;
        if (family is not ("IPv4" or "IPv6" or "FQDN"))
        {
            problems.Add($"addressType: '{family}' is not one of IPv4, IPv6, FQDN");
        }

        var ports = slice.Ports ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i]?.Port is { } port && !IsPort(port))
            {
                problems.Add($"ports[{i}].port: {port} is outside 1-65535");
            }
        }

        var endpoints = slice.Endpoints ?? [];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var addresses = endpoints[i]?.Addresses ?? [];
            for (var j = 0; j < addresses.Count; j++)
            {
                if (AddressProblem(addresses[j], family) is { } problem)
                {
                    problems.Add($"endpoints[{i}].addresses[{j}]: {problem}");
                }
            }
        }

        return problems;
    }

    public static bool IsPort(int port) => port is >= 1 and <= 65535;

    /// <summary>Why an address cannot be dialled for this address type, or null when it can.</summary>
    public static string? AddressProblem(string? address, string? family)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "empty address";
        }

        if (family == "FQDN")
        {
            return Uri.CheckHostName(address) == UriHostNameType.Dns ? null : $"'{address}' is not a DNS name";
        }

        // IPv4 must be written in full: .NET would read "1" or "127.1" as an address, the API server does not.
        var valid = family == "IPv6"
            ? address.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(address, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
            : IPAddress.TryParse(address, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && v4.ToString() == address;
        return valid
            ? null
            : $"'{address}' is not an {(family == "IPv6" ? "IPv6" : "IPv4")} address";
    }
}
