using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Xunit;

namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>The double keeps the API server's promises the controller relies on, checked through the real KubernetesClient.</summary>
public sealed class ApiDoubleTests : IAsyncLifetime
{
    private KubeApiDouble _api = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _api = await KubeApiDouble.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Url.ToString() });
    }

    [Fact]
    public async Task StatusSubresource_WritesOnlyStatus_NeverBumpsGeneration_AndPutChecksResourceVersion()
    {
        var cluster = new Cluster(_api.Store);
        cluster.ApplyRoute("chat", "/chat", "echo");
        var patch = new V1Patch("""{"status":{"endpoints":3},"spec":{"path":"/ignored"}}""", V1Patch.PatchType.MergePatch);
        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, WebSocketRoute.Group, WebSocketRoute.Version, "default", WebSocketRoute.Plural, "chat");
        var route = cluster.GetRoute("chat");
        Assert.Equal((3, 1L, "/chat"), (route.Status.Endpoints!.Value, route.Metadata.Generation!.Value, route.Spec.Path!));

        var stale = cluster.GetRoute("chat");
        cluster.ApplyRoute("chat", "/chat-v2", "echo");
        Assert.Equal(2, cluster.GetRoute("chat").Metadata.Generation);
        Assert.Equal(3, cluster.GetRoute("chat").Status.Endpoints); // a spec write keeps the status
        stale.Status.Endpoints = 4;
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(stale,
            WebSocketRoute.Group, WebSocketRoute.Version, "default", WebSocketRoute.Plural, "chat"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
    }

    [Fact]
    public async Task Watch_FromACompactedVersion_Gets410Expired_AndBookmarksCarryTheCurrentVersion()
    {
        var cluster = new Cluster(_api.Store);
        cluster.ApplyService("a");
        var old = _api.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        cluster.ApplyService("b");
        _api.Store.Compact();

        KubernetesException? error = null;
        await foreach (var _ in _client.CustomObjects.WatchListClusterCustomObjectAsync(string.Empty, "v1", "services", resourceVersion: old, onError: e => error = e as KubernetesException))
        {
        }

        Assert.Equal(410, error?.Status.Code);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var current = _api.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await foreach (var (type, obj) in _client.CustomObjects.WatchListClusterCustomObjectAsync(string.Empty, "v1", "services", allowWatchBookmarks: true,
                           resourceVersion: current, cancellationToken: cts.Token))
        {
            Assert.Equal(WatchEventType.Bookmark, type);
            Assert.Equal(current, ((JsonElement)obj).GetProperty("metadata").GetProperty("resourceVersion").GetString());
            break;
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }
}
