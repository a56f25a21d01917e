using System.Diagnostics;

namespace Sockway.Gateway.Telemetry;

/// <summary>
/// Starts the websocket.upgrade span. The host leaves an upgrade's own server span unrecorded (it would stay open for
/// the tunnel's life), and a parent-based sampler drops every child of an unrecorded span; so when the request's span
/// is not recorded, websocket.upgrade takes its place: a server span under the caller's traceparent, if any.
/// </summary>
public static class UpgradeSpan
{
    public const string Name = "websocket.upgrade";

    public static Activity? Start()
    {
        var request = Activity.Current;
        if (request is null || request.Recorded)
        {
            return GatewayTelemetry.ActivitySource.StartActivity(Name, request is null ? ActivityKind.Server : ActivityKind.Internal);
        }

        var parent = request.Parent is null && request.ParentId is { } remote
            && ActivityContext.TryParse(remote, request.TraceStateString, isRemote: true, out var context) ? context : default;
        // Detach from the unrecorded span, so a missing traceparent starts a new trace instead of inheriting its "not sampled".
        Activity.Current = null;
        var activity = GatewayTelemetry.ActivitySource.StartActivity(Name, ActivityKind.Server, parent);
        if (activity is null)
        {
            Activity.Current = request;
        }

        return activity;
    }
}
