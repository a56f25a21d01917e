using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Connections.Transport;
using Sockway.Testing;
using Sockway.Tests.Tunnels;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// Hostile segmentation through a real Sockway, on whichever tunnel transport this run uses (scripts/test.sh runs
/// this namespace on both): a frame dribbled one byte per segment, and one 64 MiB message written in one go.
/// </summary>
public sealed class TunnelTransportEndToEndTests : IClassFixture<EchoRouteFixture>
{
    private readonly EchoRouteFixture _fixture;

    public TunnelTransportEndToEndTests(EchoRouteFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task A_frame_sent_one_byte_per_segment_arrives_whole()
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, _fixture.Sockway.HttpUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("dribble.test")));
        Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(stream));

        var text = string.Concat(Enumerable.Repeat("byte-by-byte ", 9)); // 117 bytes: a 7-bit length
        foreach (var b in RawHttp.MaskedFrame(0x1, Encoding.UTF8.GetBytes(text)))
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var head = new byte[2];
        await stream.ReadExactlyAsync(head, timeout.Token);
        Assert.Equal(0x81, head[0]);
        var payload = new byte[head[1] & 0x7F];
        await stream.ReadExactlyAsync(payload, timeout.Token);
        Assert.Equal(text, Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public async Task A_64_MiB_message_written_in_one_go_comes_back_intact()
    {
        using var client = await WebSocketClient.ConnectAsync(_fixture.Sockway.WebSocketUri("/ws"));
        var message = RandomNumberGenerator.GetBytes(64 * 1024 * 1024);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var send = client.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        while (total < message.Length)
        {
            var result = await client.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            hash.AppendData(buffer, 0, result.Count);
            total += result.Count;
        }

        await send;
        Assert.Equal(message.Length, total);
        Assert.Equal(SHA256.HashData(message), hash.GetHashAndReset());
    }

    [SkippableFact]
    public async Task With_the_epoll_option_detached_tunnels_run_on_sockways_loops()
    {
        EpollTransportTests.SkipUnlessLinux();
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", s.Backends.Select(b => b.Port)),
        }, "default/echo", https: false, "--Sockway:Tunnels:Transport", "epoll");
        using var client = await WebSocketClient.ConnectAsync(scenario.Sockway.WebSocketUri("/ws"));
        Assert.Equal("on epoll", await client.RoundTripAsync("on epoll"));
        // Both sides of the tunnel: the client's socket and the backend's.
        var tunnel = Assert.Single(scenario.Sockway.App.Services.GetRequiredService<ConnectionRegistry>().Tunnels);
        Assert.IsType<EpollStream>(tunnel.Client!.Inner);
        Assert.IsType<EpollStream>(tunnel.Backend!.Inner);
    }
}
