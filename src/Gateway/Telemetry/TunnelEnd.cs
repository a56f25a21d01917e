using Sockway.Gateway.Connections;
using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Telemetry;

/// <summary>Who ended a tunnel, why, and with which Close code: the labels of sockway.websocket.closes.</summary>
public readonly record struct TunnelEnd(string Initiator, string Reason, int? Code)
{
    public const string Graceful = "graceful";
    public const string ProtocolError = "protocol_error";
    public const string MessageTooBig = "message_too_big";
    public const string DeadPeer = "dead_peer";

    public static TunnelEnd Of(Tunnel tunnel)
    {
        if (tunnel.Violation != FrameViolation.None)
        {
            return tunnel.Violation.IsSizeLimit()
                ? new(tunnel.ViolationByClient ? "client" : "backend", MessageTooBig, CloseFrame.MessageTooBig)
                : new(tunnel.ViolationByClient ? "client" : "backend", ProtocolError, CloseFrame.ProtocolError);
        }

        if (tunnel.Fault is not null)
        {
            return new("gateway", "error", null);
        }

        if (tunnel.ClosedBy is { } gateway)
        {
            return gateway switch
            {
                GatewayCloseReason.Rebalance => new("gateway", "rebalance", CloseFrame.ServiceRestart),
                GatewayCloseReason.Drain => new("gateway", "drain", CloseFrame.GoingAway),
                GatewayCloseReason.Shutdown => new("gateway", "shutdown", CloseFrame.GoingAway),
                GatewayCloseReason.DeadPeer => new("gateway", DeadPeer, CloseFrame.GoingAway),
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
            return PeerClosed("client", fromClient!);
        }

        if (backendClosed)
        {
            return PeerClosed("backend", fromBackend!);
        }

        return new(tunnel.ClientEndedFirst ? "client" : "backend", "abnormal", null);
    }

    /// <summary>A code that must never be sent (RFC 6455 §7.4.1, §7.4.2) is the peer's protocol error, not a graceful close.</summary>
    private static TunnelEnd PeerClosed(string initiator, FrameTracker tracker) =>
        new(initiator, tracker.CloseCodeOnWire && !CloseCodes.IsSendable(tracker.CloseCode!.Value) ? ProtocolError : Graceful, tracker.CloseCode);
}
