using Sockway.Gateway.Connections;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>An endpoint a policy may pick, with its live load and its slow-start weight (0..1].</summary>
internal readonly record struct Candidate(DestinationState Destination, EndpointLoad Load, double Weight)
{
    /// <summary>Load as the balancer sees it: open connections (plus the one being placed) over weight.</summary>
    public double Score => (Load.Active + 1) / Weight;
}
