using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sockway.Gateway.Limits;

/// <summary>
/// Whose budget a handshake counts against: a route and a client network. An IPv4 client is its /32; an IPv6 client
/// is its /64 by default (<see cref="Hosting.GatewayOptions.ClientIPv6PrefixLength"/>), since one subscriber is
/// handed a whole /64 and can pick a fresh address in it for every connection.
/// </summary>
internal readonly record struct ClientKey(string Route, UInt128 Network)
{
    // IPv4 clients live in the ::ffff:0:0/96 block, so they never collide with an IPv6 /64.
    private static readonly UInt128 V4Mapped = (UInt128)0xffff << 32;

    public static ClientKey Of(string route, IPAddress address, int ipv6PrefixLength)
    {
        var normal = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        Span<byte> bytes = stackalloc byte[16];
        if (normal.AddressFamily == AddressFamily.InterNetwork)
        {
            normal.TryWriteBytes(bytes[..4], out _);
            return new ClientKey(route, V4Mapped | BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        normal.TryWriteBytes(bytes, out _);
        var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        var mask = ipv6PrefixLength >= 128 ? UInt128.MaxValue : ~(UInt128.MaxValue >> ipv6PrefixLength);
        return new ClientKey(route, value & mask);
    }
}
