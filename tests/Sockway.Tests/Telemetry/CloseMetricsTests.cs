using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Sockway.Testing;
using Sockway.Tests.Balancing;
using Sockway.Tests.Gateway;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>Close and traffic metrics a client cannot abuse and that never go backwards, read from real scrapes.</summary>
public sealed partial class CloseMetricsTests
{
    private const string Route = "default/pool";

    [Fact]
    public async Task Close_codes_a_client_picks_fall_into_fixed_labels_and_reserved_codes_are_protocol_errors()
    {
        await using var pool = await BackendPool.StartAsync(1);
        int[] picked = [4001, 4002, 4999, 3999, 3000, 1000];
        foreach (var code in picked)
        {
            using var socket = await WebSocketClient.ConnectAsync(pool.Uri);
            await socket.CloseAsync((WebSocketCloseStatus)code, "bye", CancellationToken.None);
        }

        // Codes that must never be on the wire, sent raw: 1006 (abnormal closure) and 999 (unassigned).
        foreach (var code in new[] { 1006, 999 })
        {
            using var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(IPAddress.Loopback, pool.Sockway.HttpUri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("codes.test", "/pool")));
            Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(stream));
            await stream.WriteAsync(RawHttp.MaskedFrame(0x8, [(byte)(code >> 8), (byte)code]));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await stream.ReadAsync(new byte[256], timeout.Token) > 0)
            {
            }
        }

        var scrape = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_websocket_closes_total", ("route", Route)) == 8);

        var codes = CodeLabel().Matches(scrape.Text).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(["1000", "1006", "3000-3999", "4000-4999", "invalid"], codes.Order());
        Assert.Equal(3, scrape.Sum("sockway_websocket_closes_total", ("initiator", "client"), ("reason", "graceful"), ("code", "4000-4999")));
        Assert.Equal(2, scrape.Sum("sockway_websocket_closes_total", ("initiator", "client"), ("reason", "graceful"), ("code", "3000-3999")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("initiator", "client"), ("reason", "graceful"), ("code", "1000")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("initiator", "client"), ("reason", "protocol_error"), ("code", "1006")));
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("initiator", "client"), ("reason", "protocol_error"), ("code", "invalid")));
    }

    [Fact]
    public async Task Traffic_counters_never_go_backwards_while_tunnels_come_and_go()
    {
        await using var pool = await BackendPool.StartAsync(1);
        using var churning = new CancellationTokenSource();
        var churn = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                using var socket = await WebSocketClient.ConnectAsync(pool.Uri);
                await socket.RoundTripAsync($"message {i}");
                await socket.RoundTripAsync(new string('x', 1000 + i));
                if (i % 3 == 0)
                {
                    socket.Abort(); // ends without a Close: counted all the same
                }
                else
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
            }
        });

        var previous = new Dictionary<string, double>();
        var scrapes = 0;
        var decreases = new List<string>();
        while (!churn.IsCompleted || scrapes < 5)
        {
            var scrape = await PrometheusScrape.FetchAsync(pool.Sockway.ManagementUri);
            scrapes++;
            foreach (var name in new[] { "sockway_websocket_messages_total", "sockway_websocket_bytes_total" })
            {
                foreach (var direction in new[] { "to_backend", "to_client" })
                {
                    var key = $"{name}/{direction}";
                    var value = scrape.Sum(name, ("route", Route), ("direction", direction));
                    if (value < previous.GetValueOrDefault(key))
                    {
                        decreases.Add($"{key}: {previous[key]} → {value} (scrape {scrapes})");
                    }

                    previous[key] = value;
                }
            }
        }

        await churn;
        Assert.Empty(decreases);
        Assert.True(scrapes > 5);
        // Every message counted once: 60 tunnels, two each way.
        var final = await PrometheusScrape.WaitForAsync(pool.Sockway.ManagementUri, s => s.Sum("sockway_websocket_connections", ("route", Route)) == 0
            && s.Sum("sockway_websocket_messages_total", ("route", Route), ("direction", "to_client")) >= 120);
        Assert.Equal(120, final.Sum("sockway_websocket_messages_total", ("route", Route), ("direction", "to_backend")));
        Assert.Equal(120, final.Sum("sockway_websocket_messages_total", ("route", Route), ("direction", "to_client")));
    }

    [GeneratedRegex("""sockway_websocket_closes_total\{[^}]*code="([^"]+)"[^}]*\}""")]
    private static partial Regex CodeLabel();
}
