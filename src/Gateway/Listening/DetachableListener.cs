using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Sockway.Gateway.Listening;

/// <summary>Accepts connections on a <see cref="DetachableEndPoint"/>; each becomes a <see cref="DetachableConnection"/>.</summary>
internal sealed class DetachableListener(Socket listenSocket, EndPoint endPoint) : IConnectionListener
{
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
            catch (SocketException)
            {
                // A client that reset its connection before it was accepted (ECONNRESET and the like): take the next.
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
}
