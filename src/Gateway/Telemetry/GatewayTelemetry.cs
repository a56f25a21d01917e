using System.Diagnostics;

namespace Sockway.Gateway.Telemetry;

/// <summary>Names shared by Sockway's meter and activity source (exported through OpenTelemetry by the host).</summary>
public static class GatewayTelemetry
{
    public const string Name = "Sockway";

    public static readonly ActivitySource ActivitySource = new(Name);
}

/// <summary>How an upgrade attempt ended; the label values of sockway.websocket.upgrades.</summary>
public static class UpgradeOutcome
{
    public const string Success = "success";
    public const string OriginRejected = "origin_rejected";
    public const string LimitReached = "limit_reached";
    public const string NoEndpoint = "no_endpoint";
    public const string BackendError = "backend_error";
    public const string BadHandshake = "bad_handshake";
    public const string Draining = "draining";
    public const string ClientLimited = "client_limited";
    public const string SourceRejected = "source_rejected";
}
