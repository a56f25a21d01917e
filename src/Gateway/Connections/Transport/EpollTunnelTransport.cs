using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using static Sockway.Gateway.Connections.Transport.LinuxInterop;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// Takes an upgraded socket out of .NET's socket engine and into Sockway's epoll loops: the descriptor is
/// duplicated (close-on-exec), the duplicate registered in a loop, the original removed from every foreign epoll
/// (see <see cref="ForeignEpolls"/>), then .NET's Socket is disposed (closing only its number: the connection lives
/// on in the duplicate). Any step before the removal can fail harmlessly: the tunnel then stays on the sockets
/// transport, with a Warning. Nothing but the duplicate refers to the connection afterwards.
/// </summary>
internal sealed partial class EpollTunnelTransport(ILogger<EpollTunnelTransport> logger, bool inlineCompletions, TimeProvider time) : ITunnelTransport
{
    private static readonly Lazy<ForeignEpolls> SharedForeign = new(() => new ForeignEpolls(EpollLoops.Descriptors, TimeProvider.System));
    private readonly Lazy<ForeignEpolls> _foreign = time == TimeProvider.System ? SharedForeign : new(() => new ForeignEpolls(EpollLoops.Descriptors, time));

    /// <summary>Test seam: an errno the duplication pretends to fail with (0: none).</summary>
    internal int SimulatedDuplicateError { get; init; }

    internal ForeignEpolls Foreign => _foreign.Value;

    public Stream Adopt(Socket socket, byte[] leftover)
    {
        var fd = SimulatedDuplicateError != 0 ? -1 : fcntl(socket.SafeHandle, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
        {
            LogFallback(logger, "dup", SimulatedDuplicateError != 0 ? SimulatedDuplicateError : Marshal.GetLastPInvokeError());
            return SocketsTunnelTransport.Instance.Adopt(socket, leftover);
        }

        var stream = new EpollStream(new TunnelDescriptor(fd), leftover, inlineCompletions);
        var error = EpollLoops.Next().Register(stream);
        if (error != 0)
        {
            stream.Dispose();
            LogFallback(logger, "epoll_ctl", error);
            return SocketsTunnelTransport.Instance.Adopt(socket, leftover);
        }

        _foreign.Value.RemoveFromAll((int)socket.SafeHandle.DangerousGetHandle());
        socket.Dispose();
        return stream;
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "A tunnel stays on the sockets transport: {Call} failed with errno {Errno}.")]
    private static partial void LogFallback(ILogger logger, string call, int errno);
}
