using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Sockway.Gateway.Listening;

/// <summary>
/// Kestrel transport for <see cref="DetachableEndPoint"/> listeners. Kestrel asks each registered transport, newest
/// first, whether it can bind an endpoint; this one claims only its own endpoints.
/// </summary>
internal sealed class DetachableTransportFactory(ILogger<DetachableTransportFactory> logger) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // Kestrel's own socket transport uses the same backlog.
    private const int Backlog = 512;

    public bool CanBind(EndPoint endpoint) => endpoint is DetachableEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not DetachableEndPoint requested)
        {
            throw new NotSupportedException($"{endpoint} is not a {nameof(DetachableEndPoint)}.");
        }

        var socket = new Socket(requested.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (requested.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(requested);
            socket.Listen(Backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var bound = (IPEndPoint)socket.LocalEndPoint!;
        return ValueTask.FromResult<IConnectionListener>(new DetachableListener(socket, new DetachableEndPoint(bound.Address, bound.Port), logger));
    }
}
