using System.Globalization;
using Sockway.Gateway.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>
/// One route's endpoints that take new connections, as YARP destinations Sockway owns: YARP's clusters carry none,
/// so an endpoint change never reloads YARP. The balancer picks from here and YARP's forwarder sends to the
/// destination picked; passive health (a refused connect benches an endpoint) is kept on these destinations and
/// carried over to the next set while the endpoint stays.
/// </summary>
public sealed class EndpointSet
{
    private readonly DestinationState[] _destinations;

    private EndpointSet(DestinationState[] destinations) => _destinations = destinations;

    public static EndpointSet Empty { get; } = new([]);

    /// <summary>Every destination, benched or not.</summary>
    public IReadOnlyList<DestinationState> All => _destinations;

    /// <summary>The destinations not benched by passive health (allocates only while one is).</summary>
    public IReadOnlyList<DestinationState> Available
    {
        get
        {
            foreach (var destination in _destinations)
            {
                if (destination.Health.Passive == DestinationHealth.Unhealthy)
                {
                    return Array.FindAll(_destinations, d => d.Health.Passive != DestinationHealth.Unhealthy);
                }
            }

            return _destinations;
        }
    }

    /// <summary>
    /// The ready, weighted endpoints of a route (the first of a repeated address wins; one that cannot form an
    /// address is left out), reusing <paramref name="previous"/>'s destination of each endpoint that stays.
    /// </summary>
    public static EndpointSet For(IReadOnlyList<GatewayEndpoint> endpoints, EndpointSet? previous = null)
    {
        var destinations = new List<DestinationState>(endpoints.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            if (!endpoint.Ready || !(endpoint.Weight > 0) || !IsAddressable(endpoint) || !seen.Add(endpoint.Key))
            {
                continue;
            }

            var metadata = endpoint.Weight == 1 ? null : endpoint.Weight.ToString("R", CultureInfo.InvariantCulture);
            var kept = previous?.Find(endpoint.Key);
            // A new weight is a new destination: YARP's model is immutable (its passive health starts over).
            destinations.Add(kept is not null && WeightOf(kept) == metadata ? kept : Create(endpoint, metadata));
        }

        return destinations.Count == 0 ? Empty : new EndpointSet([.. destinations]);
    }

    private DestinationState? Find(string key)
    {
        foreach (var destination in _destinations)
        {
            if (destination.DestinationId == key)
            {
                return destination;
            }
        }

        return null;
    }

    private static string? WeightOf(DestinationState destination) =>
        destination.Model.Config.Metadata?.GetValueOrDefault(YarpConfigBuilder.WeightMetadata);

    private static DestinationState Create(GatewayEndpoint endpoint, string? weight) => new(endpoint.Key, new DestinationModel(new DestinationConfig
    {
        Address = "http://" + endpoint.Key,
        Metadata = weight is null ? null : new Dictionary<string, string> { [YarpConfigBuilder.WeightMetadata] = weight },
    }));

    // The translator validates addresses; this guards the gateway against any other producer of a GatewayConfig.
    private static bool IsAddressable(GatewayEndpoint endpoint) =>
        endpoint.Port is > 0 and <= 65535
        && !string.IsNullOrEmpty(endpoint.Host)
        && Uri.TryCreate("http://" + endpoint.Key + "/", UriKind.Absolute, out var uri)
        && uri.Port == endpoint.Port && uri.PathAndQuery == "/" && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
}
