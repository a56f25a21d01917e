using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>
/// Turns v1 Endpoints into the EndpointSlices the translator understands, so the rest of the pipeline has one
/// model: one slice per subset and address family, notReadyAddresses as not ready (they receive no new tunnels).
/// </summary>
public static class EndpointsConverter
{
    public static IEnumerable<V1EndpointSlice> ToSlices(V1Endpoints endpoints)
    {
        var subsets = endpoints.Subsets ?? [];
        for (var i = 0; i < subsets.Count; i++)
        {
            // A null entry (hand-written or truncated object) is skipped, never a reason to drop the whole snapshot.
            if (subsets[i] is not { } subset)
            {
                continue;
            }

            var all = (subset.Addresses ?? []).OfType<V1EndpointAddress>().Select(a => (a.Ip, Ready: true))
                .Concat((subset.NotReadyAddresses ?? []).OfType<V1EndpointAddress>().Select(a => (a.Ip, Ready: false)))
                .Where(a => !string.IsNullOrEmpty(a.Ip))
                .ToList();
            foreach (var family in all.GroupBy(a => IsIPv6(a.Ip) ? "IPv6" : "IPv4"))
            {
                yield return new V1EndpointSlice
                {
                    ApiVersion = "discovery.k8s.io/v1",
                    Kind = "EndpointSlice",
                    AddressType = family.Key,
                    Metadata = new V1ObjectMeta
                    {
                        Name = $"{endpoints.Metadata.Name}-endpoints-{i}-{family.Key.ToLowerInvariant()}",
                        NamespaceProperty = endpoints.Metadata.NamespaceProperty,
                        Labels = new Dictionary<string, string> { [BackendResolver.ServiceNameLabel] = endpoints.Metadata.Name },
                    },
                    Ports = (subset.Ports ?? []).OfType<Corev1EndpointPort>().Select(p => new Discoveryv1EndpointPort { Name = p.Name, Port = p.Port, Protocol = p.Protocol }).ToList(),
                    Endpoints = family.Select(a => new V1Endpoint
                    {
                        Addresses = [a.Ip],
                        Conditions = new V1EndpointConditions { Ready = a.Ready, Serving = a.Ready, Terminating = false },
                    }).ToList(),
                };
            }
        }
    }

    private static bool IsIPv6(string address) => IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
}
