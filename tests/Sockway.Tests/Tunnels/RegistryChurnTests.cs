using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Drain;
using Sockway.Gateway.Telemetry;
using Sockway.Tests.Framing;
using Xunit;

namespace Sockway.Tests.Tunnels;

/// <summary>Pod IPs and routes come and go for months: what the gateway keeps about them must not grow with them.</summary>
public sealed class RegistryChurnTests
{
    private static readonly GatewayEndpoint Stable = new("10.0.0.1", 8080);

    [Fact]
    public async Task Churning_ten_thousand_endpoint_addresses_and_routes_keeps_the_registry_and_metric_series_bounded()
    {
        var registry = new ConnectionRegistry(new TunnelOptions(), TimeProvider.System);
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterName = $"churn-{Guid.NewGuid():N}";
        // Nothing is ever served by this store: only the registry's own churn can make series here.
        var served = new GatewayConfigStore(new NoValidation(), new RouteTable(), NullLogger<GatewayConfigStore>.Instance);
        using var metrics = new GatewayMetrics(services.GetRequiredService<IMeterFactory>(), registry, served, Options.Create(new TelemetryOptions { MeterName = meterName }));
        var scheduler = new DrainScheduler(TimeProvider.System, Options.Create(new TunnelOptions()), NullLogger<DrainScheduler>.Instance);
        var drainer = new EndpointDrainer(registry, scheduler, TimeProvider.System, Options.Create(new DrainOptions()), NullLogger<EndpointDrainer>.Instance);
        using var series = new SeriesCounter(meterName);

        var held = Open(registry, "default/stable", Stable.Key);
        Tunnel? previous = null;
        var maxEndpoints = 0;
        var maxRoutes = 0;
        var maxSeries = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var endpoint = new GatewayEndpoint($"10.1.{i / 256}.{i % 256}", 8080);
            var routeId = $"default/churn-{i}";
            var config = new GatewayConfig([Route("default/stable", Stable), Route(routeId, endpoint)], []);
            // What the host does on every apply.
            drainer.OnApplied(config);
            metrics.RetainRoutes(config.Routes.Select(r => r.Id).ToHashSet(StringComparer.Ordinal));

            var tunnel = Open(registry, routeId, endpoint.Key);
            if (previous is not null)
            {
                // The previous pod's tunnel outlived its endpoint and route in the config; now it ends.
                await EndAsync(registry, metrics, previous);
            }

            previous = tunnel;
            maxEndpoints = Math.Max(maxEndpoints, registry.Endpoints.Count());
            maxRoutes = Math.Max(maxRoutes, registry.RouteEntries);
            if (i % 500 == 0)
            {
                maxSeries = Math.Max(maxSeries, series.Collect());
            }
        }

        await EndAsync(registry, metrics, previous!);
        drainer.OnApplied(new GatewayConfig([Route("default/stable", Stable)], []));
        metrics.RetainRoutes(new HashSet<string> { "default/stable" });

        // The configured endpoint plus at most the current and the previous pod.
        Assert.InRange(maxEndpoints, 1, 3);
        Assert.InRange(maxRoutes, 1, 3);
        Assert.Equal([Stable.Key], registry.Endpoints.Select(e => e.Key));
        Assert.Equal(1, registry.RouteEntries);
        // Open connections: 2 (route, endpoint) pairs at most; messages and bytes: 2 directions × 3 routes at most.
        Assert.InRange(maxSeries, 1, 2 + (2 * 2 * 3));
        Assert.InRange(series.Collect(), 1, 1 + (2 * 2));
        await EndAsync(registry, metrics, held);
    }

    [Fact]
    public async Task Churning_endpoints_by_endpoint_only_changes_keeps_the_registry_bounded_and_drains_what_left()
    {
        var registry = new ConnectionRegistry(new TunnelOptions(), TimeProvider.System);
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var served = new GatewayConfigStore(new NoValidation(), new RouteTable(), NullLogger<GatewayConfigStore>.Instance);
        using var metrics = new GatewayMetrics(services.GetRequiredService<IMeterFactory>(), registry, served, Options.Create(new TelemetryOptions { MeterName = $"churn-{Guid.NewGuid():N}" }));
        var scheduler = new DrainScheduler(TimeProvider.System, Options.Create(new TunnelOptions()), NullLogger<DrainScheduler>.Instance);
        var drainer = new EndpointDrainer(registry, scheduler, TimeProvider.System, Options.Create(new DrainOptions()), NullLogger<EndpointDrainer>.Instance);
        // Another route lists the churning route's first endpoint too: it must stay configured when the first route drops it.
        var shared = new GatewayEndpoint("10.2.0.1", 8080);
        var route = new GatewayRoute { Id = "default/churn", Path = "/", Endpoints = [Stable, shared] };
        drainer.OnApplied(new GatewayConfig([route, Route("default/other", shared)], []));
        var onShared = Open(registry, "default/churn", shared.Key);
        var onOther = Open(registry, "default/other", shared.Key);
        Tunnel? previous = null;
        var maxEndpoints = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var next = route with { Endpoints = [Stable, new GatewayEndpoint($"10.1.{i / 256}.{i % 256}", 8080)] };
            drainer.OnEndpointsChanged([new EndpointChange(route, next)]);
            route = next;
            var tunnel = Open(registry, route.Id, route.Endpoints[1].Key);
            Assert.NotNull(registry.Endpoint(route.Endpoints[1].Key).ReadySinceTicks);
            if (previous is not null)
            {
                Assert.True(previous.DrainScheduled, $"change {i}: the tunnel on the endpoint that left is not draining");
                await EndAsync(registry, metrics, previous);
            }

            previous = tunnel;
            maxEndpoints = Math.Max(maxEndpoints, registry.Endpoints.Count());
        }

        // The shared endpoint left the churning route only: that route's tunnel drains, the other route's does not.
        Assert.True(onShared.DrainScheduled);
        Assert.False(onOther.DrainScheduled);
        await EndAsync(registry, metrics, onShared);
        Assert.Contains(registry.Endpoints, e => e.Key == shared.Key);
        Assert.NotNull(registry.Endpoint(shared.Key).ReadySinceTicks);
        // Stable, shared, and at most the current and the previous pod.
        Assert.InRange(maxEndpoints, 3, 4);
        await EndAsync(registry, metrics, previous!);
        Assert.Equal([Stable.Key, route.Endpoints[1].Key, shared.Key], registry.Endpoints.Select(e => e.Key).Order(StringComparer.Ordinal));
        await EndAsync(registry, metrics, onOther);
    }

    [Fact]
    public void An_endpoint_moving_between_routes_in_one_endpoint_change_stays_configured_and_keeps_its_ready_time()
    {
        var registry = new ConnectionRegistry(new TunnelOptions(), TimeProvider.System);
        var scheduler = new DrainScheduler(TimeProvider.System, Options.Create(new TunnelOptions()), NullLogger<DrainScheduler>.Instance);
        var drainer = new EndpointDrainer(registry, scheduler, TimeProvider.System, Options.Create(new DrainOptions()), NullLogger<EndpointDrainer>.Instance);
        var moving = new GatewayEndpoint("10.3.0.1", 80);
        var a = Route("default/a", moving);
        var b = new GatewayRoute { Id = "default/b", Path = "/" };
        drainer.OnApplied(new GatewayConfig([a, b], []));
        var readySince = registry.Endpoint(moving.Key).ReadySinceTicks;

        drainer.OnEndpointsChanged([new EndpointChange(a, a with { Endpoints = [] }), new EndpointChange(b, b with { Endpoints = [moving] })]);

        Assert.NotNull(readySince);
        Assert.Equal(readySince, registry.Endpoint(moving.Key).ReadySinceTicks);
        registry.Release(registry.TryReserve("default/b", moving.Key)!);
        Assert.Contains(registry.Endpoints, e => e.Key == moving.Key);
    }

    [Fact]
    public void An_endpoint_gone_from_config_stays_while_it_has_tunnels_and_leaves_with_the_last_one()
    {
        var registry = new ConnectionRegistry(new TunnelOptions(), TimeProvider.System);
        var tunnel = registry.TryReserve("default/r", "10.0.0.9:80")!;
        registry.Retain([Stable.Key], ["default/r"]);

        Assert.Contains(registry.Endpoints, e => e.Key == "10.0.0.9:80");
        Assert.Equal(1, registry.Endpoint("10.0.0.9:80").Active);

        registry.Release(tunnel);

        Assert.DoesNotContain(registry.Endpoints, e => e.Key == "10.0.0.9:80");
        // A configured endpoint with no tunnel keeps its entry (its series read 0).
        registry.Endpoint(Stable.Key);
        registry.Retain([Stable.Key], ["default/r"]);
        Assert.Contains(registry.Endpoints, e => e.Key == Stable.Key);
    }

    [Fact]
    public async Task Reservations_racing_the_retirement_of_their_endpoint_are_never_lost()
    {
        var registry = new ConnectionRegistry(new TunnelOptions(), TimeProvider.System);
        const string key = "10.0.0.7:80";
        var tunnels = new System.Collections.Concurrent.ConcurrentBag<Tunnel>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var retire = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                registry.Retain([], []);
            }
        });
        var reserve = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                tunnels.Add(registry.TryReserve("default/r", key)!);
            }
        })).ToArray();
        await Task.WhenAll(reserve);
        await stop.CancelAsync();
        await retire;

        // Every reserved tunnel is in the registry the drainers and metrics read, on the entry the policies read.
        Assert.Equal(tunnels.Count, registry.Tunnels.Count());
        Assert.Equal(tunnels.Count, registry.Endpoint(key).Active);
        Assert.Equal(tunnels.Count, registry.ActiveOnRoute("default/r"));
        foreach (var tunnel in tunnels)
        {
            registry.Release(tunnel);
        }

        registry.Retain([], []);
        Assert.Empty(registry.Endpoints);
        Assert.Equal(0, registry.RouteEntries);
    }

    private static GatewayRoute Route(string id, GatewayEndpoint endpoint) => new() { Id = id, Path = "/", Endpoints = [endpoint] };

    private static Tunnel Open(ConnectionRegistry registry, string routeId, string endpoint)
    {
        var tunnel = registry.TryReserve(routeId, endpoint)!;
        tunnel.BeginHandshake(framed: true);
        tunnel.AttachClient(new IdleStream(), detached: true);
        tunnel.AttachBackend(new IdleStream());
        return tunnel;
    }

    private static async Task EndAsync(ConnectionRegistry registry, GatewayMetrics metrics, Tunnel tunnel)
    {
        tunnel.Abort();
        await tunnel.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        metrics.TunnelEnded(tunnel);
        registry.Release(tunnel);
    }

    /// <summary>A connection on which nothing happens until it is closed; then reads end.</summary>
    private sealed class IdleStream : FakeStream
    {
        private readonly TaskCompletionSource<int> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(_closed.Task);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        protected override void Dispose(bool disposing) => _closed.TrySetResult(0);
    }

    /// <summary>Counts the distinct series one collection of the observable instruments reports.</summary>
    private sealed class SeriesCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly HashSet<string> _seen = [];

        public SeriesCounter(string meterName)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == meterName && instrument.Name is "sockway.websocket.connections" or "sockway.websocket.messages" or "sockway.websocket.bytes")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
                _seen.Add(instrument.Name + string.Join(',', tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
            _listener.Start();
        }

        public int Collect()
        {
            _seen.Clear();
            _listener.RecordObservableInstruments();
            return _seen.Count;
        }

        public void Dispose() => _listener.Dispose();
    }

    private sealed class NoValidation : Yarp.ReverseProxy.Configuration.IConfigValidator
    {
        public ValueTask<IList<Exception>> ValidateRouteAsync(Yarp.ReverseProxy.Configuration.RouteConfig route) => new(new List<Exception>());

        public ValueTask<IList<Exception>> ValidateClusterAsync(Yarp.ReverseProxy.Configuration.ClusterConfig cluster) => new(new List<Exception>());
    }
}
