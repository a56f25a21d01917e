using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Telemetry;

/// <summary>Who ended a tunnel, why, and with which Close code: the labels of sockway.websocket.closes.</summary>
public readonly record struct TunnelEnd(string Initiator, string Reason, int? Code)
{
    public static TunnelEnd Of(Tunnel tunnel)
    {
        if (tunnel.ClosedBy is { } gateway)
        {
            return gateway switch
            {
                GatewayCloseReason.Rebalance => new("gateway", "rebalance", CloseFrame.ServiceRestart),
                GatewayCloseReason.Drain => new("gateway", "drain", CloseFrame.GoingAway),
                GatewayCloseReason.Shutdown => new("gateway", "shutdown", CloseFrame.GoingAway),
                _ => new("gateway", "idle_timeout", CloseFrame.GoingAway),
            };
        }

        // A Close written towards the backend came from the client, and the other way round.
        var fromClient = tunnel.Backend?.Outgoing;
        var fromBackend = tunnel.Client?.Outgoing;
        var clientClosed = fromClient?.SawClose == true;
        var backendClosed = fromBackend?.SawClose == true;
        if (clientClosed && (!backendClosed || fromClient!.CloseSeenAt <= fromBackend!.CloseSeenAt))
        {
            return new("client", "graceful", fromClient!.CloseCode);
        }

        if (backendClosed)
        {
            return new("backend", "graceful", fromBackend!.CloseCode);
        }

        return new(tunnel.ClientEndedFirst ? "client" : "backend", "abnormal", null);
    }
}
