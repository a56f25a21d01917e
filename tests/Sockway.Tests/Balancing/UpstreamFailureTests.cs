using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>Dead and silent endpoints: what a user sees when a backend refuses connections or never answers.</summary>
public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task A_refused_connect_is_retried_on_another_endpoint_and_counted()
    {
        await using var pool = await BackendPool.StartAsync(4);
        // One of four endpoints still listed ready, but nothing listens: the reproduction had 3 of 15 upgrades fail.
        await pool.Backends[1].DisposeAsync();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 15).Select(async _ =>
        {
            try
            {
                return await WebSocketClient.ConnectAsync(pool.Uri);
            }
            catch (WebSocketException)
            {
                return null;
            }
        }));

        Assert.Equal(0, attempts.Count(s => s is null));
        var sockets = attempts.OfType<ClientWebSocket>().ToArray();
        Assert.All(await Task.WhenAll(sockets.Select(s => s.WhoAmIAsync())), n => Assert.NotEqual("backend-1", n));
        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_upstream_retries_total", ("route", "default/pool")) >= 1);
        Assert.InRange(scrape.Sum("sockway_upstream_retries_total", ("route", "default/pool")), 1, 15);
        Assert.Equal(15, pool.Sockway.App.Services.GetRequiredService<ConnectionRegistry>().Count);
        await ConnectionBalancingTests.CloseAll(sockets);
    }

    [Fact]
    public async Task A_backend_that_never_answers_gets_504_within_the_handshake_timeout_and_keeps_no_slot()
    {
        using var silent = new SilentBackend();
        using var routes = new RouteDirectory();
        // One endpoint, one slot on the route: were the first attempt's slot kept, the second would get 503.
        routes.Write("silent.yaml", Manifests.Join(
            Manifests.Route("silent", "/ws", "silent", extraSpec: "timeouts: {handshake: 1s}\nlimits: {maxConnectionsPerRoute: 1}"),
            Manifests.Service("silent")) + Manifests.Slices("silent", [silent.Port]));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForRouteAsync("default/silent", 1);
        var registry = sockway.App.Services.GetRequiredService<ConnectionRegistry>();

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var elapsed = Stopwatch.StartNew();
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(sockway.WebSocketUri("/ws"), patience.Token));

            Assert.Equal(HttpStatusCode.GatewayTimeout, socket.HttpStatusCode);
            Assert.InRange(elapsed.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
            Assert.Equal(attempt + 1, silent.Accepted);
            await Eventually.TrueAsync(() => registry.Count == 0 && registry.ActiveOnRoute("default/silent") == 0, TimeSpan.FromSeconds(5));
        }

        // The gateway gave up on the backend connection too, rather than leaving it open for the idle timeout.
        await Eventually.TrueAsync(() => silent.ClosedByPeer == 2, TimeSpan.FromSeconds(5));
    }

    /// <summary>Accepts TCP connections on loopback, reads what comes and never answers.</summary>
    private sealed class SilentBackend : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;
        private int _closedByPeer;

        public SilentBackend()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public int ClosedByPeer => Volatile.Read(ref _closedByPeer);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _accepted);
                _ = DrainAsync(socket);
            }
        }

        private async Task DrainAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[4096];
                try
                {
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
                    {
                    }

                    Interlocked.Increment(ref _closedByPeer);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                {
                    Interlocked.Increment(ref _closedByPeer);
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
