using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Translation;

/// <summary>
/// What the translator does with objects no file check protects it from (an API server's, or a source's bug):
/// duplicates resolve to one object by a stable rule, and addresses or ports that cannot be dialled are reported on
/// the route, never served.
/// </summary>
public sealed class TranslatorRobustnessTests
{
    [Fact]
    public void The_same_route_twice_yields_one_route_and_one_status_whatever_the_order()
    {
        var older = Route("chat", "/chat", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var newer = Route("chat", "/other", new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));

        foreach (var routes in new[] { new[] { older, newer }, [newer, older] })
        {
            var result = Translator.Translate(Snapshot(routes, Slice("10.0.0.1", 8080)));

            var served = Assert.Single(result.Config.Routes);
            Assert.Equal("/chat", served.Path);
            Assert.Single(result.Routes);
        }
    }

    [Fact]
    public void An_address_that_is_not_an_ip_or_a_port_out_of_range_is_reported_and_never_served()
    {
        var result = Translator.Translate(Snapshot([Route("chat", "/chat", null)], Slice("not-an-ip", 8080), Slice("10.0.0.2", 8080, "b"), Slice("10.0.0.3", 70000, "c")));

        var served = Assert.Single(result.Config.Routes);
        Assert.Equal(["10.0.0.2:8080"], served.Endpoints.Select(e => e.Key));
        var ready = Assert.Single(result.Routes).Find(RouteConditions.Ready)!;
        Assert.True(ready.Status);
        Assert.Contains("'not-an-ip' is not an IPv4 address", ready.Message);
        Assert.Contains("port 70000 is outside 1-65535", ready.Message);
    }

    private static WebSocketRoute Route(string name, string path, DateTime? created)
    {
        var route = Assert.IsType<WebSocketRoute>(Assert.Single(ManifestParser.Parse("r.yaml", Manifests.Route(name, path, "echo")).Objects));
        route.Metadata.CreationTimestamp = created;
        return route;
    }

    private static V1EndpointSlice Slice(string address, int port, string suffix = "a") => new()
    {
        Metadata = new V1ObjectMeta { Name = "echo-" + suffix, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "echo" } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port }],
        Endpoints = [new V1Endpoint { Addresses = [address] }],
    };

    private static ClusterSnapshot Snapshot(IEnumerable<WebSocketRoute> routes, params V1EndpointSlice[] slices) => new(
        routes.ToList(),
        ManifestParser.Parse("s.yaml", Manifests.Service("echo")).Objects.OfType<V1Service>().ToList(),
        slices,
        []);
}
