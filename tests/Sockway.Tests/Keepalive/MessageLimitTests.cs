using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Keepalive;

/// <summary>
/// spec.limits.maxFrameBytes / maxMessageBytes through a real Sockway, both ways, between byte-exact peers: at the
/// limit passes, one byte over ends the tunnel with 1009 to the sender and 1001 to the other peer, and nothing of
/// the frame over the limit is forwarded. With permessage-deflate, the limit is on wire (compressed) bytes.
/// </summary>
public sealed class MessageLimitTests : IAsyncLifetime
{
    private const string Limits = "keepalive:\n  interval: \"0\"\nlimits:\n  maxFrameBytes: 1000\n  maxMessageBytes: 2500";
    private readonly RawBackend _raw = new();
    private TestBackend _deflating = null!;
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _deflating = await TestBackend.StartAsync("deflating", compression: true);
        _scenario = await Scenario.StartAsync(0, s => new Dictionary<string, string>
        {
            ["limits.yaml"] = Manifests.Join(
                Manifests.Route("limited", "/limited", "raw", extraSpec: Limits),
                Manifests.Route("deflate", "/deflate", "deflating", extraSpec: "limits:\n  maxMessageBytes: 2500"),
                Manifests.Service("raw"),
                Manifests.Service("deflating"))
                + Manifests.Slices("raw", [_raw.Port]) + Manifests.Slices("deflating", [_deflating.Port]),
        }, "default/limited");
    }

    public static TheoryData<string, int[], bool> Messages => new()
    {
        { "one frame at the frame limit", [1000], true },
        { "one frame a byte over the frame limit", [1001], false },
        { "fragments summing to the message limit", [1000, 1000, 500], true },
        { "fragments a byte over the message limit", [1000, 1000, 501], false },
        { "an empty first fragment, then up to the limit", [0, 1000, 1000, 500], true },
        { "many small fragments a byte over", [250, 250, 250, 250, 250, 250, 250, 250, 250, 250, 1], false },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public Task Client_to_backend(string name, int[] fragments, bool passes) => SendThroughAsync(name, fragments, passes, fromClient: true);

    [Theory]
    [MemberData(nameof(Messages))]
    public Task Backend_to_client(string name, int[] fragments, bool passes) => SendThroughAsync(name, fragments, passes, fromClient: false);

    private async Task SendThroughAsync(string name, int[] fragments, bool passes, bool fromClient)
    {
        await using var client = await RawPeer.ConnectAsync(_scenario.Sockway.HttpUri.Port, "/limited");
        client.StartReading();
        var backend = await Eventually.ValueAsync(() => _raw.Peers.SingleOrDefault(), because: "the backend accepted the upgrade");
        var (sender, receiver) = fromClient ? (client, backend) : (backend, client);

        for (var i = 0; i < fragments.Length; i++)
        {
            await sender.SendAsync(i == 0 ? 0x2 : 0x0, RandomNumberGenerator.GetBytes(fragments[i]), fin: i == fragments.Length - 1);
        }

        try
        {
            await sender.SendAsync(0x1, "after"u8.ToArray());
        }
        catch (IOException) when (!passes)
        {
            // Sockway may have closed the sender's connection already.
        }

        if (passes)
        {
            await Eventually.TrueAsync(() => receiver.Received.Any(f => f.Opcode == 0x1), because: $"{name}: the message and the next went through");
            Assert.Equal(fragments, receiver.Received.Where(f => f.Opcode is 0x0 or 0x2).Select(f => f.Payload.Length));
            Assert.Equal(1, Registry.ActiveOnRoute("default/limited"));
            return;
        }

        await Eventually.TrueAsync(() => sender.Received.Any(f => f.Opcode == 0x8) && receiver.Received.Any(f => f.Opcode == 0x8), because: $"{name}: both peers got a Close");
        Assert.Equal(1009, Code(sender.Received.First(f => f.Opcode == 0x8)));
        Assert.Equal(1001, Code(receiver.Received.First(f => f.Opcode == 0x8)));

        // The frame over the limit was refused from its header: only the whole frames before it were forwarded.
        var forwarded = receiver.Received.Where(f => f.Opcode is 0x0 or 0x2).Select(f => f.Payload.Length).ToArray();
        Assert.Equal(fragments[..^1], forwarded);
        Assert.DoesNotContain(receiver.Received, f => f.Opcode == 0x1);
        await Eventually.TrueAsync(() => Registry.ActiveOnRoute("default/limited") == 0, because: "the slot is freed");
        var scrape = await PrometheusScrape.WaitForAsync(_scenario.Sockway.ManagementUri,
            s => s.Sum("sockway_websocket_closes_total", ("route", "default/limited"), ("reason", "message_too_big")) == 1);
        Assert.Equal(1, scrape.Sum("sockway_websocket_closes_total", ("route", "default/limited"), ("initiator", fromClient ? "client" : "backend"),
            ("reason", "message_too_big"), ("code", "1009")));
    }

    [Fact]
    public async Task With_permessage_deflate_the_limit_is_on_wire_bytes()
    {
        using var socket = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/deflate"), o =>
        {
            o.DangerousDeflateOptions = new WebSocketDeflateOptions();
            o.CollectHttpResponseDetails = true;
        });
        Assert.Contains("permessage-deflate", socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"].Single(), StringComparison.Ordinal);

        // 100,000 bytes that compress to a few hundred: under the 2,500-byte limit on the wire.
        var compressible = new string('a', 100_000);
        Assert.Equal(compressible, await socket.RoundTripAsync(compressible));

        // 3,000 random bytes do not compress: over the limit on the wire.
        await socket.SendAsync(RandomNumberGenerator.GetBytes(3000), WebSocketMessageType.Binary, true, CancellationToken.None);
        var ended = await Record.ExceptionAsync(() => socket.ReceiveTextAsync());
        Assert.NotNull(ended);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        await Eventually.TrueAsync(() => !_deflating.CloseStatuses.IsEmpty, because: "the backend saw its WebSocket end");
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(_deflating.CloseStatuses));
    }

    private ConnectionRegistry Registry => _scenario.Sockway.App.Services.GetRequiredService<ConnectionRegistry>();

    private static int Code(RawFrame close) => (close.Payload[0] << 8) | close.Payload[1];

    public async Task DisposeAsync()
    {
        await _scenario.DisposeAsync();
        await _raw.DisposeAsync();
        await _deflating.DisposeAsync();
    }
}
