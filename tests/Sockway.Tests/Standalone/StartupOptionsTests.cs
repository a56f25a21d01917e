using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Standalone;

/// <summary>A malformed data-plane switch stops start-up with the key named, instead of failing the first request.</summary>
public sealed class StartupOptionsTests
{
    [Theory]
    [InlineData("Sockway:Gateway:PlainSocketUpgrades")]
    [InlineData("Sockway:Gateway:FrameTracking")]
    [InlineData("Sockway:Listeners:InlineScheduling")]
    [InlineData("Sockway:Listeners:DetachUpgrades")]
    [InlineData("Sockway:MemoryTrim:Enabled")]
    public async Task A_switch_that_is_not_a_boolean_fails_start_up_naming_it(string key)
    {
        using var routes = new RouteDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SockwayHost.StartAsync(routes.Path, false, $"--{key}=yes"));

        Assert.Contains($"'{key}'", error.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/8, lb.example.com")]
    public async Task A_malformed_trusted_proxies_list_fails_start_up_naming_the_flag_and_entry(string list)
    {
        using var routes = new RouteDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SockwayHost.StartAsync(routes.Path, false, "--trusted-proxies", list));

        Assert.Contains("'Sockway:Gateway:TrustedProxies' (--trusted-proxies)", error.ToString());
        Assert.Contains(list.Split(", ")[^1], error.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/8, lb.example.com")]
    [InlineData("10.0.0.0/8,,")]
    public async Task A_malformed_proxy_protocol_source_list_fails_start_up_naming_the_flag_and_entry(string list)
    {
        using var routes = new RouteDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SockwayHost.StartAsync(routes.Path, false, "--proxy-protocol", list));

        Assert.Contains("'Sockway:Gateway:ProxyProtocol' (--proxy-protocol)", error.ToString());
    }

    [Theory]
    [InlineData("--Sockway:Gateway:ProxyProtocolTimeout", "00:00:00", "ProxyProtocolTimeout")]
    [InlineData("--Sockway:Gateway:ProxyProtocolTimeout", "01:00:00", "ProxyProtocolTimeout")]
    [InlineData("--Sockway:Gateway:ClientLimitTableSize", "10", "ClientLimitTableSize")]
    [InlineData("--Sockway:Gateway:ClientLimitTableSize", "-1", "ClientLimitTableSize")]
    [InlineData("--Sockway:Gateway:ClientIPv6PrefixLength", "0", "ClientIPv6PrefixLength")]
    [InlineData("--Sockway:Gateway:ClientIPv6PrefixLength", "129", "ClientIPv6PrefixLength")]
    public async Task An_edge_setting_out_of_range_fails_start_up_naming_it(string key, string value, string name)
    {
        using var routes = new RouteDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SockwayHost.StartAsync(routes.Path, false, key, value));

        Assert.Contains($"'Sockway:Gateway:{name}'", error.ToString());
    }

    [Fact]
    public async Task A_memory_trim_interval_out_of_range_fails_start_up_naming_it()
    {
        using var routes = new RouteDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SockwayHost.StartAsync(routes.Path, false, "--Sockway:MemoryTrim:Interval=00:00:00"));

        Assert.Contains("Interval", error.Message);
        Assert.Contains(nameof(Sockway.Gateway.Memory.MemoryTrimOptions), error.Message);
    }

    [Theory]
    [InlineData("io_uring")]
    [InlineData("epol")]
    [InlineData("7")]
    public async Task An_unknown_tunnel_transport_fails_start_up_naming_it(string value)
    {
        using var routes = new RouteDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => SockwayHost.StartAsync(routes.Path, false, "--Sockway:Tunnels:Transport", value));

        Assert.Contains("Sockway:Tunnels:Transport", error.ToString());
    }
}
