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
/// <remarks>
/// Why an epoll transport (docs/benchmarks.md, "Epoll transport"): per proxied message .NET's socket engine does a
/// probing recv that fails with EAGAIN and hops to the thread pool, and an idle tunnel keeps four
/// SocketAsyncEventArgs, two SocketAsyncContexts and the NetworkStreams. The design, in short:
/// <list type="bullet">
/// <item>Adoption (<see cref="EpollTunnelTransport"/>): dup (close-on-exec), register the duplicate, remove the
/// original from every foreign epoll (a registration lives on the open file description, so it would survive
/// .NET's close and wake its engine on every packet), then dispose .NET's Socket. Failing before the removal leaves
/// the tunnel on the sockets transport.</item>
/// <item>Descriptor lifetime (<see cref="TunnelDescriptor"/>): a SafeHandle that every syscall on the descriptor
/// takes, so close happens after the last call in flight and a reused number is never touched; epoll events carry
/// a slot and generation (<see cref="EpollLoop"/>), so a stale event for a closed stream is dropped.</item>
/// <item>Readiness (<see cref="EpollStream"/>): edge-triggered, tracked with sequence numbers so a short read
/// waits for the next edge without a probing recv and without losing an edge that raced it.</item>
/// <item>Completions run inline on the loop thread (<see cref="TunnelOptions.EpollInlineCompletions"/>): the pump
/// path never blocks — every wait in it is an await on a socket, a timer or a task — so the loop is never held
/// longer than the syscalls of the bytes in hand, as in nginx. Off, continuations go to the thread pool.</item>
/// </list>
/// </remarks>
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
