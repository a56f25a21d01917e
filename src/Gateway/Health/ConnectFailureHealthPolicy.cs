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
        if (context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request or ForwarderError.RequestTimedOut } error
            && IsUnreachable(error.Exception))
        {
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, ReactivationPeriod);
        }
    }

    // A backend that accepted the connection and then misbehaved (hung up, sent garbage) is reachable: that request
    // fails, the endpoint stays in rotation.
    internal static bool IsUnreachable(Exception? exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => true,
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } => false,
        _ => exception is not null && FindSocketError(exception),
    };

    private static bool FindSocketError(Exception exception) =>
        exception is System.Net.Sockets.SocketException or TimeoutException || (exception.InnerException is { } inner && FindSocketError(inner));
}
