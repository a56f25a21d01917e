using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Sockway.Tests.ProxyProtocol;

/// <summary>Hand-built PROXY protocol headers (haproxy's proxy-protocol.txt), as load balancers send them.</summary>
internal static class ProxyHeaders
{
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V1(string line) => Encoding.ASCII.GetBytes(line);

    public static byte[] V1Tcp4(string source, int port) => V1($"PROXY TCP4 {source} 10.0.0.1 {port} 80\r\n");

    public static byte[] V1Tcp6(string source, int port) => V1($"PROXY TCP6 {source} fd00::1 {port} 443\r\n");

    /// <summary>A v2 PROXY (command 1) header over TCP, with optional TLVs (type, value) after the addresses.</summary>
    public static byte[] V2(IPAddress source, int port, params (byte Type, byte[] Value)[] tlvs)
    {
        var v4 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var destination = v4 ? IPAddress.Parse("10.0.0.1") : IPAddress.Parse("fd00::1");
        var addresses = new List<byte>();
        addresses.AddRange(source.GetAddressBytes());
        addresses.AddRange(destination.GetAddressBytes());
        addresses.AddRange(Port(port));
        addresses.AddRange(Port(v4 ? 80 : 443));
        return V2Raw(0x21, v4 ? (byte)0x11 : (byte)0x21, [.. addresses, .. Tlvs(tlvs)]);
    }

    /// <summary>v2 LOCAL: a load balancer's own connection (health checks), with whatever block it carries.</summary>
    public static byte[] V2Local(byte family = 0x00, byte[]? block = null) => V2Raw(0x20, family, block ?? []);

    public static byte[] V2Raw(byte versionCommand, byte family, byte[] block, int? declaredLength = null)
    {
        var header = new byte[16 + block.Length];
        V2Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)(declaredLength ?? block.Length));
        block.CopyTo(header, 16);
        return header;
    }

    public static byte[] Tlvs(params (byte Type, byte[] Value)[] tlvs)
    {
        var bytes = new List<byte>();
        foreach (var (type, value) in tlvs)
        {
            bytes.Add(type);
            bytes.AddRange(Port(value.Length));
            bytes.AddRange(value);
        }

        return [.. bytes];
    }

    private static byte[] Port(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }
}
