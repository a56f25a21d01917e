using Sockway.Controller.Sources.Kubernetes;
using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>Whatever the API server does — end watches, expire versions, go away — config is neither lost nor duplicated.</summary>
public sealed class ResilienceTests : ClusterTestBase
{
    [Fact]
    public async Task NothingIsServed_UntilEveryInitialListIsComplete()
    {
        var backend = await StartBackendAsync("echo");
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        Cluster.ApplyRoute("chat", "/chat", "echo");
        Api.HoldLists(ResourceKey.EndpointSlices);
        var sockway = await StartSockwayAsync();

        // Routes and Services are listed, slices are not: publishing now would serve the route with no endpoints.
        await Eventually.TrueAsync(() => sockway.Source.Informers.Count(i => i.HasSynced) == sockway.Source.Informers.Count - 1);
        await Task.Delay(300);
        Assert.False(sockway.Gateway.HasConfig);
        using var client = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await client.GetAsync(new Uri(sockway.ManagementUri, "/readyz"))).StatusCode);

        Api.ReleaseLists(ResourceKey.EndpointSlices);
        var config = await sockway.WaitForRouteAsync("default/chat", 1);
        Assert.Single(config.Routes);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(new Uri(sockway.ManagementUri, "/readyz"))).StatusCode);
    }

    [Fact]
    public async Task WatchClosedByServer_ResumesFromLastVersion_WithoutRelisting()
    {
        var backends = new[] { await StartBackendAsync("b1"), await StartBackendAsync("b2") };
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backends[0]);
        var slices = SliceInformer(sockway);
        var reconnects = slices.Reconnects;

        Api.DropWatches();
        await Eventually.TrueAsync(() => slices.Reconnects > reconnects, because: "the slice watch is resumed");
        Cluster.ApplySlice("echo", backends[1].Port);

        await sockway.WaitForRouteAsync("default/chat", 2);
        Assert.Equal(0, slices.Relists);
        Assert.All(sockway.Source.Informers, i => Assert.Equal(InformerSyncState.Synced, i.State));
    }

    [Fact]
    public async Task ExpiredVersion_410Gone_RelistsAndEmitsDeletes_NothingLostOrDuplicated()
    {
        var backends = new[] { await StartBackendAsync("b1"), await StartBackendAsync("b2"), await StartBackendAsync("b3") };
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backends[0].Port);
        Cluster.ApplySlice("echo", backends[1].Port);
        Cluster.ApplyRoute("chat", "/chat", "echo");
        Cluster.ApplyService("gone");
        Cluster.ApplyRoute("gone", "/gone", "gone");
        await sockway.WaitForConfigAsync(c => c.Routes.Count == 2 && c.Routes.Single(r => r.Id == "default/chat").Endpoints.Count == 2);

        // Behind the controller's back: watches cut and held, changes made, history compacted.
        Api.HoldWatches();
        Api.DropWatches();
        await Eventually.TrueAsync(() => Api.OpenWatches == 0);
        Cluster.DeleteSlice("echo", backends[0].Port);
        Cluster.ApplySlice("echo", backends[2].Port);
        Cluster.Store.Delete(ResourceKey.WebSocketRoutes, "default", "gone");
        Cluster.Store.Compact();
        Api.ReleaseWatches();

        var config = await sockway.WaitForConfigAsync(c => c.Routes.Count == 1
            && c.Routes[0].Endpoints.Select(e => e.Port).Order().SequenceEqual(new[] { backends[1].Port, backends[2].Port }.Order()));
        Assert.Equal("default/chat", config.Routes.Single().Id);
        Assert.Equal(2, config.Routes.Single().Endpoints.Select(e => e.Key).Distinct().Count());
        Assert.True(SliceInformer(sockway).Relists >= 1);
        for (var i = 0; i < 4; i++)
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
            Assert.NotEqual("b1", await socket.WhoAmIAsync());
        }
    }

    [Fact]
    public async Task Bookmarks_KeepAWatchResumable_AcrossCompaction()
    {
        var sockway = await StartSockwayAsync();
        Cluster.ApplyService("echo");
        Cluster.ApplyRoute("chat", "/chat", "echo");
        await sockway.WaitForRouteAsync("default/chat", 0);
        var slices = SliceInformer(sockway);
        // Changes to other resources move the global resourceVersion on; only bookmarks tell the slice watch.
        for (var i = 0; i < 5; i++)
        {
            Cluster.ApplyService($"other-{i}");
        }

        var latest = Cluster.Store.ResourceVersion;
        await Eventually.TrueAsync(() => long.Parse(slices.ResourceVersion ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= latest,
            because: "a BOOKMARK advances the slice informer's resourceVersion");
        // Compacted up to what the bookmark told the informer, not beyond: the controller's own writes (status,
        // Events) go on meanwhile, and a watch resumed from an older version than the compaction is rightly Gone.
        Cluster.Store.Compact(upTo: long.Parse(slices.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture));
        Api.DropWatches();
        Cluster.ApplySlice("echo", 9);

        await sockway.WaitForRouteAsync("default/chat", 1);
        Assert.Equal(0, slices.Relists);
    }

    [Fact]
    public async Task ApiServerDown30Seconds_GatewayKeepsServing_ThenCatchesUp()
    {
        var backends = new[] { await StartBackendAsync("b1"), await StartBackendAsync("b2") };
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backends[0]);
        using var open = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));

        await Api.StopAsync();
        // While the API server is away the world moves on: b2 joins.
        Cluster.ApplySlice("echo", backends[1].Port);
        await Eventually.TrueAsync(() => sockway.Source.Informers.All(i => i.State == InformerSyncState.Reconnecting), because: "informers report the lost connection");
        var down = DateTime.UtcNow;
        while (DateTime.UtcNow - down < TimeSpan.FromSeconds(30))
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
            Assert.Equal("b1", await socket.WhoAmIAsync());
            Assert.Equal("ping", await open.RoundTripAsync("ping"));
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        Assert.Single(sockway.Gateway.Current.Routes);
        await Api.RestartAsync();

        await sockway.WaitForRouteAsync("default/chat", 2);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 2, because: "status catches up too");
        Assert.Equal("ping", await open.RoundTripAsync("ping"));
    }

    private static IInformer SliceInformer(KubernetesSockway sockway) => sockway.Source.Informers.Single(i => i.Name.StartsWith("endpointslices", StringComparison.Ordinal));
}
