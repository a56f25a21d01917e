using Sockway.Gateway.Balancing;
using Sockway.Gateway.Configuration;
using Yarp.ReverseProxy.Model;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>The endpoints a route hands the balancer: hostile endpoint lists, and what survives from one set to the next.</summary>
public sealed class EndpointSetTests
{
    public static TheoryData<string, GatewayEndpoint[], string[]> Cases => new()
    {
        { "malformed hosts are left out", [new("not a host", 80), new("a/b", 80), new("x?y", 80), new("u@h", 80), new("", 80), new("10.0.0.1", 80)], ["10.0.0.1:80"] },
        { "ports outside 1..65535 are left out", [new("10.0.0.1", 0), new("10.0.0.1", -1), new("10.0.0.1", 65536), new("10.0.0.1", int.MaxValue), new("10.0.0.2", 65535)], ["10.0.0.2:65535"] },
        { "a repeated address counts once (the first)", [new("10.0.0.1", 80, Weight: 2), new("10.0.0.1", 80), new("10.0.0.1", 81)], ["10.0.0.1:80", "10.0.0.1:81"] },
        { "not ready and non-positive weights take nothing", [new("10.0.0.1", 80, Ready: false), new("10.0.0.2", 80, Weight: 0), new("10.0.0.3", 80, Weight: -1), new("10.0.0.4", 80, Weight: double.NaN), new("10.0.0.5", 80)], ["10.0.0.5:80"] },
        { "IPv6 addresses are bracketed", [new("::1", 8080), new("fe80::1", 1)], ["[::1]:8080", "[fe80::1]:1"] },
        { "none", [], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hostile_endpoint_lists_give_only_addressable_ready_endpoints(string because, GatewayEndpoint[] endpoints, string[] expected)
    {
        var set = EndpointSet.For(endpoints);

        Assert.True(expected.SequenceEqual(set.All.Select(d => d.DestinationId)), because);
        Assert.All(set.All, d => Assert.True(Uri.TryCreate(d.Model.Config.Address, UriKind.Absolute, out _), because));
    }

    [Fact]
    public void An_endpoint_that_stays_keeps_its_destination_and_passive_health_and_a_benched_one_is_not_available()
    {
        var before = EndpointSet.For([new("10.0.0.1", 80), new("10.0.0.2", 80)]);
        var benched = before.All[0];
        benched.Health.Passive = DestinationHealth.Unhealthy;

        var after = EndpointSet.For([new("10.0.0.1", 80), new("10.0.0.2", 80), new("10.0.0.3", 80)], before);

        Assert.Same(benched, after.All[0]);
        Assert.Same(before.All[1], after.All[1]);
        Assert.Equal(["10.0.0.2:80", "10.0.0.3:80"], after.Available.Select(d => d.DestinationId));
        benched.Health.Passive = DestinationHealth.Unknown;
        Assert.Same(after.All, after.Available);
    }

    [Fact]
    public void A_new_weight_is_a_new_destination_carrying_it()
    {
        var before = EndpointSet.For([new("10.0.0.1", 80)]);

        var after = EndpointSet.For([new("10.0.0.1", 80, Weight: 3)], before);

        Assert.NotSame(before.All[0], after.All[0]);
        Assert.Equal("3", after.All[0].Model.Config.Metadata![YarpConfigBuilder.WeightMetadata]);
    }
}
