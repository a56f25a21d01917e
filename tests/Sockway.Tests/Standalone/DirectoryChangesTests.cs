using Microsoft.Extensions.DependencyInjection;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Sources;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Standalone;

/// <summary>
/// A file rewritten with the same objects is published as just those objects changed (the other lists are the same
/// instances, so the translator works from the change alone); anything else (an object added, renamed or broken, a
/// duplicate anywhere) publishes the whole directory as before. Either way the change is served.
/// </summary>
public sealed class DirectoryChangesTests
{
    [Fact]
    public async Task Rewriting_a_slice_file_publishes_that_slice_alone_as_the_change_and_serves_it()
    {
        using var routes = new RouteDirectory();
        routes.Write("routes.yaml", Manifests.Join(Manifests.Route("a", "/a", "a"), Manifests.Service("a"), Manifests.Route("b", "/b", "b"), Manifests.Service("b")));
        routes.Write("slice.yaml", Slice("a-slice", "a", 9001));
        routes.Write("other.yaml", Slice("b-slice", "b", 9002));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync("default/a", 1);
        var publisher = sockway.App.Services.GetRequiredService<SnapshotPublisher>();
        var before = publisher.Latest!;
        var routeB = sockway.Gateway.Current.Routes.Single(r => r.Id == "default/b");

        routes.Write("slice.yaml", Slice("a-slice", "a", 9003));
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/a" && r.Endpoints.Single().Port == 9003));

        var after = publisher.Latest!;
        var change = Assert.Single(after.Changes!.Objects);
        Assert.True(after.Changes.Follow(before));
        Assert.Equal((typeof(k8s.Models.V1EndpointSlice), "default", "a-slice"), (change.Kind, change.Namespace, change.Name));
        Assert.Same(before.Routes, after.Routes);
        Assert.Same(before.Services, after.Services);
        Assert.Same(before.EndpointSlices.Single(s => s.Metadata.Name == "b-slice"), after.EndpointSlices.Single(s => s.Metadata.Name == "b-slice"));
        Assert.Same(routeB, sockway.Gateway.Current.Routes.Single(r => r.Id == "default/b"));
    }

    [Theory]
    [InlineData("an object added", "---\n" + "apiVersion: v1\nkind: Service\nmetadata:\n  name: c\nspec:\n  ports:\n    - name: http\n      port: 80\n")]
    [InlineData("an object renamed", null)]
    public async Task A_rewrite_that_changes_which_objects_a_file_holds_publishes_the_whole_directory(string because, string? extra)
    {
        using var routes = new RouteDirectory();
        routes.Write("routes.yaml", Manifests.Join(Manifests.Route("a", "/a", "a"), Manifests.Service("a")));
        routes.Write("slice.yaml", Slice("a-slice", "a", 9001));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync("default/a", 1);

        routes.Write("slice.yaml", (extra is null ? Slice("a-renamed", "a", 9003) : Slice("a-slice", "a", 9003)) + (extra ?? string.Empty));
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/a" && r.Endpoints.Single().Port == 9003));

        Assert.True(sockway.App.Services.GetRequiredService<SnapshotPublisher>().Latest!.Changes is null, because);
    }

    [Fact]
    public async Task With_a_duplicate_anywhere_a_rewrite_publishes_the_whole_directory_and_the_first_copy_keeps_serving()
    {
        using var routes = new RouteDirectory();
        routes.Write("a.yaml", Manifests.Join(Manifests.Route("a", "/a", "a"), Manifests.Service("a")) + "\n---\n" + Slice("a-slice", "a", 9001));
        routes.Write("b.yaml", Slice("a-slice", "a", 9002));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync("default/a", 1);

        routes.Write("a.yaml", Manifests.Join(Manifests.Route("a", "/a", "a"), Manifests.Service("a")) + "\n---\n" + Slice("a-slice", "a", 9004));
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/a" && r.Endpoints.Single().Port == 9004));

        Assert.Null(sockway.App.Services.GetRequiredService<SnapshotPublisher>().Latest!.Changes);
        Assert.Equal(9004, (int)sockway.App.Services.GetRequiredService<SnapshotPublisher>().Latest!.EndpointSlices.Single().Ports![0].Port!);
    }

    private static string Slice(string name, string service, int port) => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {name}
          labels:
            kubernetes.io/service-name: {service}
        addressType: IPv4
        ports:
          - name: http
            port: {port}
        endpoints:
          - addresses: ["127.0.0.1"]

        """;
}
