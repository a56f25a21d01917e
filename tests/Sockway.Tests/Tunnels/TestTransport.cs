using Microsoft.Extensions.Logging.Abstractions;
using Sockway.Gateway.Connections.Transport;
using Sockway.Testing;

namespace Sockway.Tests.Tunnels;

/// <summary>The tunnel transport of this test run (SockwayHost.TunnelTransport), for tests that build tunnels by hand.</summary>
internal static class TestTransport
{
    public static readonly ITunnelTransport Current =
        string.Equals(SockwayHost.TunnelTransport, "epoll", StringComparison.OrdinalIgnoreCase) ? Epoll() : SocketsTunnelTransport.Instance;

    public static EpollTunnelTransport Epoll(bool inline = true, int simulatedDuplicateError = 0) =>
        new(NullLogger<EpollTunnelTransport>.Instance, inline, TimeProvider.System) { SimulatedDuplicateError = simulatedDuplicateError };
}
