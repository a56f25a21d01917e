using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// After the Close handshake the server side closes the TCP connection (RFC 6455 §7.1.1) — whether the tunnel left
/// Kestrel or stayed in it. A client left waiting for that close (ClientWebSocket waits up to a second) is slow to
/// reconnect.
/// </summary>
public sealed class TunnelCloseTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_connection_is_closed_once_the_close_handshake_is_done(bool detach)
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", s.Backends.Select(b => b.Port)),
        }, "default/echo", false, "--Sockway:Listeners:DetachUpgrades", detach ? "true" : "false");
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, scenario.Sockway.HttpUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest("close.test")));
        Assert.StartsWith("HTTP/1.1 101", await RawHttp.ReadHeadAsync(stream));

        await stream.WriteAsync(RawHttp.MaskedFrame(0x8, [0x03, 0xE8])); // Close 1000
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = new byte[4];
        await stream.ReadExactlyAsync(reply, timeout.Token);
        Assert.Equal(0x88, reply[0]); // FIN + Close, from the backend
        Assert.Equal(1000, (reply[2] << 8) | reply[3]);

        // Nothing more, then the end of the stream — not a connection left open until the client gives up.
        var rest = new byte[16];
        Assert.Equal(0, await stream.ReadAsync(rest, timeout.Token));
    }
}
