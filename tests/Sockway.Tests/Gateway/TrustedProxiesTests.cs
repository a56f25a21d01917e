using System.Net;
using Sockway.Gateway.Forwarded;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>The trusted-proxies list (a hostile input: a flag and a chart value) and who the client is behind it.</summary>
public sealed class TrustedProxiesTests
{
    [Theory]
    [InlineData("", "10.1.2.3", false)]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "11.1.2.3", false)]
    [InlineData(" 10.0.0.0/8 , 192.168.1.5 ", "192.168.1.5", true)]
    [InlineData("192.168.1.5", "192.168.1.6", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("fd00::/8", "fd12::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    public void Matches_addresses_by_network(string list, string address, bool trusted)
    {
        Assert.True(TrustedProxies.TryParse(list, out var proxies, out var error), error);

        Assert.Equal(trusted, proxies.IsTrusted(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10")]
    [InlineData("10.1")]
    [InlineData("1.2.3.4:80")]
    [InlineData("10.0.0.0/8,,192.168.0.0/16")]
    [InlineData("10.0.0.0/8;192.168.0.0/16")]
    [InlineData("fd00::/129")]
    [InlineData("*")]
    [InlineData("10.0.0.0 /8")]
    public void A_malformed_entry_is_refused_naming_it(string list)
    {
        Assert.False(TrustedProxies.TryParse(list, out var proxies, out var error));

        Assert.Contains("entry", error);
        Assert.True(proxies.IsEmpty);
    }

    [Fact]
    public void Too_many_entries_are_refused()
    {
        Assert.False(TrustedProxies.TryParse(string.Join(',', Enumerable.Repeat("10.0.0.1", TrustedProxies.MaxEntries + 1)), out _, out var error));
        Assert.Contains("at most", error);
    }

    [Fact]
    public void Random_lists_never_throw()
    {
        var random = new Random(12);
        const string alphabet = "0123456789abcdef.:/, []-*\u0000ffff";
        for (var i = 0; i < 5_000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 60)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            if (TrustedProxies.TryParse(text, out var proxies, out var error))
            {
                Assert.Null(error);
                _ = proxies.IsTrusted(IPAddress.Loopback);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error));
            }

            _ = ClientAddress.Resolve(IPAddress.Loopback, [text], Parse("127.0.0.0/8"));
        }
    }

    public static TheoryData<string, string, string[], string, bool> Resolutions => new()
    {
        // Nobody trusted: the peer, whatever the client wrote.
        { "", "203.0.113.7", ["198.51.100.1"], "203.0.113.7", false },
        // An untrusted peer cannot pose as someone else.
        { "10.0.0.0/8", "203.0.113.7", ["10.1.1.1"], "203.0.113.7", false },
        // A trusted proxy names the client.
        { "10.0.0.0/8", "10.0.0.2", ["203.0.113.7"], "203.0.113.7", true },
        // The nearest untrusted hop wins: a client cannot hide behind a forged left-most entry.
        { "10.0.0.0/8", "10.0.0.2", ["6.6.6.6, 203.0.113.7, 10.0.0.9"], "203.0.113.7", true },
        { "10.0.0.0/8", "10.0.0.2", ["6.6.6.6", "203.0.113.7", "10.0.0.9"], "203.0.113.7", true },
        // Ports and brackets are tolerated.
        { "10.0.0.0/8", "10.0.0.2", ["203.0.113.7:4711"], "203.0.113.7", true },
        { "10.0.0.0/8", "10.0.0.2", ["[2001:db8::7]:4711"], "2001:db8::7", true },
        // Garbage ends the walk at the last hop that could be checked.
        { "10.0.0.0/8", "10.0.0.2", ["203.0.113.7, unknown"], "10.0.0.2", true },
        { "10.0.0.0/8", "10.0.0.2", ["unknown, 10.0.0.3"], "10.0.0.3", true },
        // No header from a trusted proxy: the proxy itself is all there is.
        { "10.0.0.0/8", "10.0.0.2", [], "10.0.0.2", true },
        // All hops trusted: the left-most.
        { "10.0.0.0/8", "10.0.0.2", ["10.0.0.5, 10.0.0.4"], "10.0.0.5", true },
        // Dual-stack sockets: IPv4-mapped peers are matched and reported as IPv4.
        { "10.0.0.0/8", "::ffff:10.0.0.2", ["203.0.113.7"], "203.0.113.7", true },
    };

    [Theory]
    [MemberData(nameof(Resolutions))]
    public void Resolves_the_client_behind_trusted_proxies(string list, string peer, string[] forwardedFor, string client, bool viaProxy)
    {
        var resolved = ClientAddress.Resolve(IPAddress.Parse(peer), forwardedFor, Parse(list));

        Assert.Equal(IPAddress.Parse(client), resolved.Address);
        Assert.Equal(viaProxy, resolved.ViaTrustedProxy);
    }

    private static TrustedProxies Parse(string list)
    {
        Assert.True(TrustedProxies.TryParse(list, out var proxies, out var error), error);
        return proxies;
    }
}
