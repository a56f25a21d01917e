using Sockway.Controller.Api.V1Alpha1;
using Sockway.Kubernetes.Tests.ApiDouble;
using Sockway.Testing;
using Xunit;

namespace Sockway.Kubernetes.Tests;

/// <summary>What `kubectl get/describe wsr` shows: status written only on change, honest transition times, Events for rejections.</summary>
public sealed class StatusAndEventsTests : ClusterTestBase
{
    private const string StatusResource = "websocketroutes/status";

    [Fact]
    public async Task Status_IsWrittenOnlyWhenItChanges_AndKeepsTransitionTimesThatDidNotFlip()
    {
        var backends = new[] { await StartBackendAsync("b1"), await StartBackendAsync("b2") };
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backends[0]);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 1);
        var readySince = Cluster.RouteCondition("chat", RouteConditions.Ready)!.LastTransitionTime;
        var writes = Api.CountCalls("patch", StatusResource);

        // Unrelated changes re-translate but change nothing about the route: no write.
        Cluster.ApplyService("unrelated");
        Cluster.ApplyRoute("other-class", "/x", "unrelated", routeClass: "someone-else");
        await sockway.WaitForConfigAsync(_ => sockway.Source.GetRoute(new("default", "other-class")) is not null);
        await Task.Delay(500);
        Assert.Equal(writes, Api.CountCalls("patch", StatusResource));

        // Scale up: endpoints and the Ready message change, Ready stays True, so its transition time stays.
        await Task.Delay(1100); // creationTimestamp and lastTransitionTime have a one-second resolution
        Cluster.ApplySlice("echo", backends[1].Port);
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.Endpoints == 2);
        Assert.Equal(writes + 1, Api.CountCalls("patch", StatusResource));
        Assert.Equal(readySince, Cluster.RouteCondition("chat", RouteConditions.Ready)!.LastTransitionTime);

        // A spec change bumps generation; the status follows it.
        Cluster.ApplyRoute("chat", "/chat2", "echo");
        await Eventually.TrueAsync(() => Cluster.GetRoute("chat").Status?.ObservedGeneration == 2, because: "observedGeneration follows the spec");
        Assert.Equal(2, Cluster.GetRoute("chat").Metadata.Generation);
        Assert.All(Cluster.GetRoute("chat").Status.Conditions!, c => Assert.Equal(2, c.ObservedGeneration));
        Assert.Equal(2, Cluster.GetRoute("chat").Metadata.Generation); // status writes never bump generation

        // No endpoints: Ready flips, and so does its transition time.
        Cluster.DeleteSlice("echo", backends[0].Port);
        Cluster.DeleteSlice("echo", backends[1].Port);
        await Eventually.TrueAsync(() => Cluster.RouteCondition("chat", RouteConditions.Ready)?.Reason == RouteConditions.Reasons.NoReadyEndpoints);
        Assert.NotEqual(readySince, Cluster.RouteCondition("chat", RouteConditions.Ready)!.LastTransitionTime);
        Assert.Equal(0, Cluster.GetRoute("chat").Status.Endpoints);
    }

    [Fact]
    public async Task ConflictingAndInvalidRoutes_GetOneWarningEventEach_NotOnePerResync()
    {
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backend);
        await Task.Delay(1100); // the newer route must be visibly newer (creationTimestamp has one-second resolution)
        Cluster.ApplyRoute("chat-copy", "/chat", "echo");
        Cluster.ApplyRoute("broken", "no-leading-slash", "echo");

        await Eventually.TrueAsync(() => Cluster.EventsFor("WebSocketRoute", "chat-copy").Count == 1 && Cluster.EventsFor("WebSocketRoute", "broken").Count == 1,
            because: "one Warning Event per rejected route");
        var conflict = Cluster.EventsFor("WebSocketRoute", "chat-copy").Single();
        Assert.Equal("Warning", conflict.Type);
        Assert.Equal(RouteConditions.Reasons.Conflicted, conflict.Reason);
        Assert.Contains("default/chat", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(Cluster.GetRoute("chat-copy").Metadata.Uid, conflict.InvolvedObject.Uid);
        Assert.Equal(RouteConditions.Reasons.Invalid, Cluster.EventsFor("WebSocketRoute", "broken").Single().Reason);
        Assert.Equal("False", Cluster.RouteCondition("chat-copy", RouteConditions.Accepted)!.Status);
        Assert.Equal(RouteConditions.Reasons.Conflicted, Cluster.RouteCondition("chat-copy", RouteConditions.Accepted)!.Reason);

        // Many more translations (endpoint churn) do not repeat the Events.
        for (var i = 0; i < 5; i++)
        {
            Cluster.ApplySlice("echo", 20000 + i);
            await Task.Delay(100);
        }

        await sockway.WaitForRouteAsync("default/chat", 6);
        await Task.Delay(300);
        Assert.Single(Cluster.EventsFor("WebSocketRoute", "chat-copy"));
        Assert.Single(Cluster.EventsFor("WebSocketRoute", "broken"));
        Assert.Equal("False", Cluster.RouteCondition("broken", RouteConditions.Accepted)!.Status);
    }

    [Fact]
    public async Task MalformedRoute_IsReportedOnTheObjectAndSkipped_WatchAndConfigSurvive()
    {
        var backend = await StartBackendAsync("b1");
        var sockway = await StartSockwayAsync();
        await ServeChatAsync(sockway, backend);
        var routes = sockway.Source.Informers.Single(i => i.Name.StartsWith("websocketroutes", StringComparison.Ordinal));
        var reconnects = routes.Reconnects;

        // A field of the wrong type (hosts must be a list), as a schema-less or older CRD would let through.
        Cluster.Store.ApplyRaw(ResourceKey.WebSocketRoutes, """
            {"apiVersion":"sockway.io/v1alpha1","kind":"WebSocketRoute","metadata":{"name":"bad","namespace":"default"},
             "spec":{"hosts":5,"path":"/bad","backend":{"service":{"name":"echo","port":"http"}}}}
            """);
        await Eventually.TrueAsync(() => Cluster.EventsFor("WebSocketRoute", "bad").Count == 1, because: "a Warning Event names the malformed object");
        var warning = Cluster.EventsFor("WebSocketRoute", "bad").Single();
        Assert.Equal("Malformed", warning.Reason);
        Assert.Contains("hosts", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, routes.MalformedObjects);

        // The watch carried on: a later change still arrives on it, and the good route never stopped serving.
        Cluster.ApplyRoute("later", "/later", "echo");
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/later"));
        Assert.Equal(reconnects, routes.Reconnects);
        using (var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat")))
        {
            Assert.Equal("b1", await socket.WhoAmIAsync());
        }

        Assert.DoesNotContain(sockway.Gateway.Current.Routes, r => r.Id == "default/bad");

        // Fixed: served like any other.
        Cluster.ApplyRoute("bad", "/bad", "echo", hosts: ["127.0.0.1"]);
        await sockway.WaitForConfigAsync(c => c.Routes.Any(r => r.Id == "default/bad"));
    }

    [Fact]
    public async Task MalformedObjectInTheInitialList_DoesNotHoldBackTheRest()
    {
        var backend = await StartBackendAsync("b1");
        Cluster.ApplyService("echo");
        Cluster.ApplySlice("echo", backend.Port);
        Cluster.ApplyRoute("chat", "/chat", "echo");
        Cluster.Store.ApplyRaw(ResourceKey.EndpointSlices, """
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"echo-bad","namespace":"default",
             "labels":{"kubernetes.io/service-name":"echo"}},"addressType":"IPv4","endpoints":"not-a-list"}
            """);

        var sockway = await StartSockwayAsync();

        await sockway.WaitForRouteAsync("default/chat", 1);
        using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri("/chat"));
        Assert.Equal("b1", await socket.WhoAmIAsync());
        await Eventually.TrueAsync(() => Cluster.EventsFor("EndpointSlice", "echo-bad").Count == 1, because: "the malformed slice gets a Warning Event");
    }
}
