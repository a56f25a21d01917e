using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Keepalive;

/// <summary>
/// spec.keepalive through a real Sockway, with byte-exact peers on bare sockets (they see every Ping and Pong) and
/// real WebSocket clients and backends: a peer that vanished without a FIN is found and its slot freed; a healthy
/// one keeps its tunnel; Sockway's Pongs never reach the other peer, the peers' own pass unchanged; no Ping lands
/// inside a frame.
/// </summary>
public sealed class KeepaliveTests : IAsyncLifetime
{
    private const string Fast = "keepalive:\n  interval: 1s\n  timeout: 1s";
    private static readonly TimeSpan Found = TimeSpan.FromSeconds(20);
    private readonly RawBackend _raw = new();
    private readonly RawBackend _frozen = new() { Reads = false };
    private Scenario _scenario = null!;

    private ConnectionRegistry Registry => _scenario.Sockway.App.Services.GetRequiredService<ConnectionRegistry>();

    public async Task InitializeAsync()
    {
        _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["keepalive.yaml"] = Manifests.Join(
                Manifests.Route("dead-client", "/dead-client", "echo", extraSpec: Fast),
                Manifests.Route("dead-backend", "/dead-backend", "frozen", extraSpec: Fast),
                Manifests.Route("healthy", "/healthy", "raw", extraSpec: Fast),
                Manifests.Route("streaming", "/streaming", "raw", extraSpec: Fast),
                Manifests.Route("slow-frame", "/slow-frame", "raw", extraSpec: "keepalive:\n  interval: 1s\n  timeout: 10s"),
                Manifests.Route("idle", "/idle", "raw", extraSpec: Fast + "\ntimeouts:\n  idle: 4s"),
                Manifests.Route("idle-counted", "/idle-counted", "raw", extraSpec: Fast + "\n  countsAsActivity: true\ntimeouts:\n  idle: 3s"),
                Manifests.Route("off", "/off", "echo", extraSpec: "keepalive:\n  interval: \"0\""),
                Manifests.Service("echo"),
                Manifests.Service("raw"),
                Manifests.Service("frozen"))
                + Manifests.Slices("echo", [s.Backend.Port]) + Manifests.Slices("raw", [_raw.Port]) + Manifests.Slices("frozen", [_frozen.Port]),
        }, "default/off");
    }

    [Fact]
    public async Task A_client_that_stops_reading_and_answering_is_a_dead_peer_its_backend_gets_1001_and_the_slot_is_freed()
    {
        // Upgraded, then never reads a byte again: a phone that left coverage, as far as Sockway can tell.
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/dead-client");
        await client.SendAsync(0x1, "hello"u8.ToArray());
        await Eventually.TrueAsync(() => Open("default/dead-client") == 1, because: "the tunnel is open");

        await Eventually.TrueAsync(() => !_scenario.Backend.CloseStatuses.IsEmpty, Found, "the backend saw its WebSocket end");
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(_scenario.Backend.CloseStatuses));
        await Eventually.TrueAsync(() => Open("default/dead-client") == 0, because: "the slot is freed");

        // The dead client's socket was closed: what it had not read ends in an end of stream, with no Close frame.
        client.StartReading();
        await Eventually.TrueAsync(() => client.Ended, because: "Sockway closed the dead client's socket");
        Assert.DoesNotContain(client.Received, f => f.Opcode == 0x8);
        Assert.Contains(client.Received, f => f.Opcode == 0x9);

        var scrape = await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri,
            s => s.Sum("sockway_websocket_closes_total", ("route", "default/dead-client"), ("reason", "dead_peer")) == 1);
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("route", "default/dead-client"), ("initiator", "gateway"), ("reason", "dead_peer"), ("code", "1001")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_dead_peers_total", ("route", "default/dead-client"), ("peer", "client")));
        Assert.True(scrape.Sum("sockway_websocket_pings_total", ("route", "default/dead-client"), ("peer", "client")) >= 1);
    }

    [Fact]
    public async Task A_backend_that_stops_reading_and_answering_is_a_dead_peer_its_client_gets_1001_and_the_slot_is_freed()
    {
        using var client = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/dead-backend"));
        await client.SendTextAsync("anyone there?");
        var backend = await Eventually.ValueAsync(() => _frozen.Peers.SingleOrDefault(), because: "the backend accepted the upgrade");

        // ClientWebSocket answers Sockway's Pings by itself; the backend never reads.
        var ended = await Record.ExceptionAsync(() => client.ReceiveTextAsync(Found));
        Assert.NotNull(ended);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
        Assert.Equal("peer not responding", client.CloseStatusDescription);
        await Eventually.TrueAsync(() => Open("default/dead-backend") == 0, because: "the slot is freed");

        // The dead backend's socket was closed; nothing of Sockway's Close went to it.
        backend.StartReading();
        await Eventually.TrueAsync(() => backend.Ended, because: "Sockway closed the dead backend's socket");
        Assert.DoesNotContain(backend.Received, f => f.Opcode == 0x8);
        Assert.Contains(backend.Received, f => f.Opcode == 0x1 && f.Text == "anyone there?");

        var scrape = await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri,
            s => s.Sum("sockway_websocket_dead_peers_total", ("route", "default/dead-backend"), ("peer", "backend")) == 1);
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("route", "default/dead-backend"), ("reason", "dead_peer"), ("code", "1001")));
    }

    [Fact]
    public async Task A_client_that_stops_reading_while_its_backend_streams_is_a_dead_peer_though_the_ping_cannot_be_written()
    {
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/streaming");
        var backend = await Eventually.ValueAsync(() => _raw.Peers.LastOrDefault(), because: "the backend accepted the upgrade");
        var tunnel = await Eventually.ValueAsync(() => Registry.Tunnels.SingleOrDefault(t => t.RouteId == "default/streaming" && t.IsUpgraded));

        // Its own writes will block (Sockway stops reading from it), so it answers nothing; it still reads what comes.
        backend.AnswerPings = false;

        // The backend streams until the socket buffers on the way to the client are full and Sockway's write to it
        // blocks: no Ping can go in, and the client, which reads nothing, could not answer one anyway.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var chunk = new byte[64 * 1024];
        var streaming = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await backend.SendAsync(0x2, chunk);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Sockway closed the backend's connection.
            }
        });

        await Eventually.TrueAsync(() => tunnel.Client!.WriteInProgress && tunnel.Client.PingTick != 0 && !tunnel.Client.PingWritten, Found,
            "a Ping is due while the write to the client is stuck");
        await Eventually.TrueAsync(() => backend.Received.Any(f => f.Opcode == 0x8), Found, "the backend got a Close");
        Assert.Equal(1001, (backend.Received.First(f => f.Opcode == 0x8).Payload[0] << 8) | backend.Received.First(f => f.Opcode == 0x8).Payload[1]);
        await Eventually.TrueAsync(() => Open("default/streaming") == 0, Found, "the slot is freed");
        await stop.CancelAsync();
        await streaming;

        var scrape = await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri,
            s => s.Sum("sockway_websocket_dead_peers_total", ("route", "default/streaming"), ("peer", "client")) == 1);
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("route", "default/streaming"), ("reason", "dead_peer")));
    }

    [Fact]
    public async Task A_healthy_idle_client_keeps_its_tunnel_Sockways_pongs_are_not_forwarded_and_the_peers_own_pings_and_pongs_pass()
    {
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/healthy");
        client.StartReading();
        var backend = await Eventually.ValueAsync(() => _raw.Peers.LastOrDefault(), because: "the backend accepted the upgrade");

        // Several intervals of silence on both sides: each is pinged, each answers.
        await Eventually.TrueAsync(() => client.Received.Count(f => f.Opcode == 0x9) >= 3 && backend.Received.Count(f => f.Opcode == 0x9) >= 3, Found,
            "both sides were pinged several times");
        Assert.Equal(1, Open("default/healthy"));
        Assert.All(client.Received.Where(f => f.Opcode == 0x9), f => Assert.Equal(8, f.Payload.Length));

        // The client's own Ping reaches the backend as sent, and the backend's Pong reaches the client as sent.
        await client.SendAsync(0x9, "client ping"u8.ToArray());
        await Eventually.TrueAsync(() => client.Received.Any(f => f.Opcode == 0xA && f.Text == "client ping"), because: "the backend's Pong came back");
        Assert.Contains(backend.Received, f => f.Opcode == 0x9 && f.Text == "client ping");

        // An unsolicited Pong of the client's own passes too; the Pongs answering Sockway's Pings never did.
        await client.SendAsync(0xA, "unsolicited"u8.ToArray());
        await client.SendAsync(0x1, "after"u8.ToArray());
        await Eventually.TrueAsync(() => backend.Received.Any(f => f.Opcode == 0x1 && f.Text == "after"), because: "the text got through");
        Assert.Equal(["unsolicited"], backend.Received.Where(f => f.Opcode == 0xA).Select(f => f.Text));
        Assert.DoesNotContain(client.Received, f => f.Opcode == 0xA && f.Text != "client ping");
        Assert.Equal(1, Open("default/healthy"));

        var scrape = await PrometheusScrape.FetchAsync(_scenario.Sockway.ManagementUri);
        Assert.True(scrape.Sum("sockway_websocket_pings_total", ("route", "default/healthy"), ("peer", "client")) >= 3);
        Assert.True(scrape.Sum("sockway_websocket_pings_total", ("route", "default/healthy"), ("peer", "backend")) >= 3);
        Assert.Equal(0, scrape.Sum("sockway_websocket_closes_total", ("route", "default/healthy")));
    }

    [Fact]
    public async Task A_ping_to_a_silent_backend_waits_for_the_end_of_a_slow_large_frame_and_goes_between_frames()
    {
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/slow-frame");
        client.StartReading();
        var backend = await Eventually.ValueAsync(() => _raw.Peers.LastOrDefault(), because: "the backend accepted the upgrade");
        var tunnel = await Eventually.ValueAsync(() => Registry.Tunnels.SingleOrDefault(t => t.RouteId == "default/slow-frame" && t.IsUpgraded));

        // A client answers a Ping only between its own frames: this one, mid-frame for a while, does not answer at all.
        client.AnswerPings = false;

        // The first fragment of a message, 20,000 bytes, of which only a quarter is written for now.
        var first = Enumerable.Range(0, 20_000).Select(i => (byte)('a' + (i % 26))).ToArray();
        var frame = client.Frame(0x1, first, fin: false);
        var split = frame.Length / 4;
        await client.WriteAsync(frame.AsMemory(0, split));

        // The backend, silent, is due a Ping; the writer towards it is inside the frame, so the Ping waits.
        await Eventually.TrueAsync(() => tunnel.Backend!.PingPending, Found, "a Ping to the backend waits for the frame boundary");
        Assert.DoesNotContain(backend.Received, f => f.Opcode == 0x9);

        // The rest arrives slowly, in pieces; then the last fragment.
        for (var at = split; at < frame.Length; at += 3000)
        {
            await client.WriteAsync(frame.AsMemory(at, Math.Min(3000, frame.Length - at)));
            await Task.Yield();
        }

        await client.SendAsync(0x0, "end"u8.ToArray());
        await Eventually.TrueAsync(() => backend.Received.Any(f => f.Opcode == 0x0), because: "the last fragment arrived");

        // The backend parsed every frame whole: the Ping came after the first fragment's last byte, not inside it.
        var received = backend.Received.ToList();
        var data = received.FindIndex(f => f.Opcode == 0x1);
        var ping = received.FindIndex(f => f.Opcode == 0x9);
        Assert.Equal(first, received[data].Payload);
        Assert.False(received[data].Fin);
        Assert.True(ping > data, string.Join(", ", received.Select(f => $"{f.Opcode}:{f.Payload.Length}")));
        Assert.Equal("end", received.Single(f => f.Opcode == 0x0).Text);
        Assert.Equal(1, Open("default/slow-frame"));
    }

    [Fact]
    public async Task Keepalive_traffic_does_not_count_as_activity_for_the_idle_timeout_unless_configured()
    {
        await using var counted = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/idle-counted");
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/idle");
        counted.StartReading();
        client.StartReading();

        // Both answer every Ping. The default route's tunnel still ends at its idle timeout...
        await Eventually.TrueAsync(() => client.Received.Any(f => f.Opcode == 0x8), Found, "the idle timeout closed the tunnel");
        var close = client.Received.Single(f => f.Opcode == 0x8);
        Assert.Equal(1001, (close.Payload[0] << 8) | close.Payload[1]);
        Assert.Equal("idle timeout", Encoding.UTF8.GetString(close.Payload, 2, close.Payload.Length - 2));
        Assert.True(client.Received.Count(f => f.Opcode == 0x9) >= 2, "it was pinged and answered before");

        // ...while the route whose keepalive counts as activity keeps its tunnel (idle 3 s, already outlived).
        Assert.DoesNotContain(counted.Received, f => f.Opcode == 0x8);
        Assert.True(counted.Received.Count(f => f.Opcode == 0x9) >= 3);
        Assert.Equal(1, Open("default/idle-counted"));
    }

    [Fact]
    public async Task With_keepalive_off_a_frozen_client_keeps_its_tunnel_and_gets_no_ping()
    {
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/off");
        await client.SendAsync(0x1, "x"u8.ToArray());
        await Eventually.TrueAsync(() => Open("default/off") == 1);
        var tunnel = Registry.Tunnels.Single(t => t.RouteId == "default/off");

        // Checked against the sweep that would have pinged it: the other routes' tunnels move on meanwhile.
        var pingsBefore = (await PrometheusScrape.FetchAsync(_scenario.Sockway.ManagementUri)).Sum("sockway_websocket_pings_total", ("route", "default/off"));
        await using (var probe = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/healthy"))
        {
            probe.StartReading();
            await Eventually.TrueAsync(() => probe.Received.Count(f => f.Opcode == 0x9) >= 2, Found, "keepalive sweeps ran");
        }

        Assert.Equal(0, pingsBefore);
        Assert.Equal(0, tunnel.Client!.PingTick);
        Assert.Equal(TunnelState.Open, tunnel.State);
    }

    private int Open(string routeId) => Registry.ActiveOnRoute(routeId);

    public async Task DisposeAsync()
    {
        await _scenario.DisposeAsync();
        await _raw.DisposeAsync();
        await _frozen.DisposeAsync();
    }
}
