using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Sockway.Gateway.Listening;

/// <summary>Accepts connections on a <see cref="DetachableEndPoint"/>; each becomes a <see cref="DetachableConnection"/>.</summary>
internal sealed partial class DetachableListener(Socket listenSocket, EndPoint endPoint, ILogger logger) : IConnectionListener
{
    // Out of descriptors (EMFILE) and the like: retrying at once would spin a core until a connection closes.
    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(100);

    public EndPoint EndPoint { get; } = endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                var socket = await listenSocket.AcceptAsync(cancellationToken);
                // Each message of a tunnel is small and interactive: never wait to coalesce it.
                socket.NoDelay = true;
                return new DetachableConnection(socket);
            }
            catch (ObjectDisposedException)
            {
                return null; // Unbound.
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return null; // Unbound while accepting.
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // A client that reset its connection before it was accepted: take the next.
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(ex.SocketErrorCode, AcceptBackoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(AcceptBackoff, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        listenSocket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        listenSocket.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting a connection failed ({Error}); retrying in {BackoffMs} ms")]
    private partial void LogAcceptFailed(SocketError error, double backoffMs);
}
