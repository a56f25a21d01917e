using System.Net.Sockets;
using Sockway.Gateway.Forwarding;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>Which byte stream carries a detached plain-text tunnel (Sockway:Tunnels:Transport).</summary>
public enum TunnelTransportKind
{
    /// <summary>.NET's Socket and its socket engine (the default).</summary>
    Sockets,

    /// <summary>Sockway's own edge-triggered epoll loops (Linux only, opt-in).</summary>
    Epoll,
}

/// <summary>
/// Turns an upgraded bare socket (and the bytes that arrived with the handshake) into the stream under a tunnel's
/// TrackedStream. Called for the client side of a detached tunnel and for the backend side of a plain upgrade.
/// The stream owns the socket from here on.
/// </summary>
internal interface ITunnelTransport
{
    Stream Adopt(Socket socket, byte[] leftover);
}

/// <summary>Today's transport: the socket stays in .NET's socket engine.</summary>
internal sealed class SocketsTunnelTransport : ITunnelTransport
{
    public static readonly SocketsTunnelTransport Instance = new();

    public Stream Adopt(Socket socket, byte[] leftover) => UpgradedStream.Create(socket, leftover);
}
