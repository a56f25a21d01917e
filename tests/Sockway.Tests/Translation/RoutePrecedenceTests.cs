using Sockway.Gateway.Configuration;
using Sockway.Gateway.Routing;
using Xunit;

namespace Sockway.Tests.Translation;

/// <summary>The whole precedence table, pure: which route a (host, path) goes to, as Ingress and Gateway API decide it.</summary>
public sealed class RoutePrecedenceTests
{
    private static readonly GatewayRoute[] Routes =
    [
        Route("a-root", "/", hosts: ["a.test"]),
        Route("a-ws", "/ws", hosts: ["a.test"]),
        Route("a-ws-exact", "/ws/exact", PathMatchType.Exact, ["a.test"]),
        Route("wild-a", "/", hosts: ["*.a.test"]),
        Route("wild-b-a", "/", hosts: ["*.b.a.test"]),
        Route("root-test", "/", hosts: ["root.test"]),
        Route("multi", "/chat/", hosts: ["m.test", "*.multi.test"]),
        Route("any-ws", "/ws"),
        Route("any-ws-twin", "/ws/"),
        Route("any-root", "/"),
        Route("any-exact", "/exact", PathMatchType.Exact),
        Route("any-deep", "/ws/deep/er"),
    ];

    public static TheoryData<string, string, string?> Table => new()
    {
        // An exact host beats everything else, whatever the path lengths.
        { "a.test", "/", "a-root" },
        { "a.test", "/ws", "a-ws" },
        { "a.test", "/ws/x", "a-ws" },
        { "a.test", "/ws/deep/er", "a-ws" },
        { "a.test", "/ws/exact", "a-ws-exact" },
        { "root.test", "/ws", "root-test" },
        { "root.test", "/ws/deep/er/x", "root-test" },

        // Prefix matches whole segments; Exact is byte-exact (no trailing slash); paths are case-sensitive.
        { "a.test", "/wsx", "a-root" },
        { "a.test", "/ws/exact/", "a-ws" },
        { "a.test", "/ws/Exact", "a-ws" },
        { "a.test", "/WS", "a-root" },
        { "other.test", "/ws", "any-ws" },
        { "other.test", "/ws/", "any-ws" },
        { "other.test", "/wsx", "any-root" },
        { "other.test", "/Ws", "any-root" },
        { "other.test", "/exact", "any-exact" },
        { "other.test", "/exact/", "any-root" },
        { "other.test", "/EXACT", "any-root" },
        { "other.test", "/exact/x", "any-root" },
        { "other.test", "/ws/deep/er", "any-deep" },
        { "other.test", "/ws/deep/err", "any-ws" },

        // Hosts are case-insensitive.
        { "A.TEST", "/ws", "a-ws" },
        { "Root.Test", "/ws", "root-test" },

        // Wildcards: one or more labels, never the bare suffix; the longest suffix first; all above any host.
        { "x.a.test", "/ws", "wild-a" },
        { "y.x.a.test", "/ws/deep/er", "wild-a" },
        { "b.a.test", "/", "wild-a" },
        { "c.b.a.test", "/ws", "wild-b-a" },
        { "C.B.A.TEST", "/", "wild-b-a" },
        { "xa.test", "/ws", "any-ws" },

        // A route with several hosts ranks by the host that matched.
        { "m.test", "/chat/1", "multi" },
        { "q.multi.test", "/chat", "multi" },
        { "q.multi.test", "/other", "any-root" },
        { "multi.test", "/chat", "any-root" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Picks_the_route_Gateway_API_would(string host, string path, string? expected)
    {
        Assert.Equal(expected, RoutePrecedence.Select(Routes, host, path)?.Id);
    }

    [Fact]
    public void Equal_routes_go_to_the_lowest_id_whatever_their_order()
    {
        Assert.Equal("any-ws", RoutePrecedence.Select(Routes.Reverse(), "other.test", "/ws/x")?.Id);
        Assert.Equal("any-ws", RoutePrecedence.Select(Routes, "other.test", "/ws/x")?.Id);
    }

    [Fact]
    public void Nothing_matches_when_no_route_covers_the_path()
    {
        GatewayRoute[] routes = [Route("only", "/ws", hosts: ["a.test"]), Route("exact", "/e", PathMatchType.Exact)];

        Assert.Null(RoutePrecedence.Select(routes, "b.test", "/ws"));
        Assert.Null(RoutePrecedence.Select(routes, "a.test", "/w"));
        Assert.Null(RoutePrecedence.Select(routes, "a.test", "/e/"));
    }

    [Fact]
    public void The_config_builder_hands_the_exact_path_and_type_to_the_data_plane()
    {
        var built = YarpConfigBuilder.BuildRoute(Route("any-exact", "/Exact", PathMatchType.Exact));

        Assert.Equal("/Exact", built.Metadata![YarpConfigBuilder.PathMetadata]);
        Assert.Equal("Exact", built.Metadata[YarpConfigBuilder.PathTypeMetadata]);
    }

    private static GatewayRoute Route(string id, string path, PathMatchType type = PathMatchType.Prefix, string[]? hosts = null) =>
        new() { Id = id, Path = path, PathType = type, Hosts = hosts ?? [] };
}
