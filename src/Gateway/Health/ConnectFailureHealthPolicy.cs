using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Health;

/// <summary>
/// Takes an endpoint out of rotation for a while after Sockway could not reach it at all (connection refused,
/// connect timeout). Without this, least-connections would pour every new connection into a dead endpoint,
/// since it always has the fewest open ones. Errors after a tunnel was established say nothing about the endpoint's
/// health and are ignored.
/// </summary>
internal sealed class ConnectFailureHealthPolicy(IDestinationHealthUpdater health) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "Sockway.ConnectFailure";
    public static readonly TimeSpan ReactivationPeriod = TimeSpan.FromSeconds(5);

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error;
        if (error is ForwarderError.Request or ForwarderError.RequestTimedOut)
        {
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, ReactivationPeriod);
        }
    }
}
