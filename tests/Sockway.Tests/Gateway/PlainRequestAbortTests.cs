using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// On routes that allow plain HTTP (long-polling fallbacks), a client that goes away mid-request aborts the backend
/// request at once, whichever transport the plain listener runs on.
/// </summary>
public sealed class PlainRequestAbortTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_goes_away_during_a_long_poll_aborts_the_backend_request(bool detachUpgrades)
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["poll.yaml"] = Manifests.Join(Manifests.Route("poll", "/poll", "poll", extraSpec: "allowPlainHttp: true"), Manifests.Service("poll"))
                + Manifests.Slices("poll", [s.Backend.Port]),
        }, "default/poll", sockwayArgs: $"--Sockway:Listeners:DetachUpgrades={detachUpgrades}");

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, scenario.Sockway.HttpUri.Port);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /poll/hold HTTP/1.1\r\nHost: poll.test\r\n\r\n"));
            await Eventually.TrueAsync(() => scenario.Backend.Requests == 1, because: "the long-poll never reached the backend");
        }

        // The backend would answer after 30 s; the client's FIN must end its request well before.
        await Eventually.TrueAsync(() => scenario.Backend.AbortedHolds == 1, because: "the backend request outlived its client");
    }

    [Fact]
    public async Task A_request_pipelined_behind_a_long_poll_is_answered_after_it()
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["poll.yaml"] = Manifests.Join(Manifests.Route("poll", "/poll", "poll"), Manifests.Service("poll")) + Manifests.Slices("poll", [s.Backend.Port]),
        }, "default/poll");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, scenario.Sockway.HttpUri.Port);
        var stream = client.GetStream();

        // The second request arrives while the first is at the backend: the first's watch sees its bytes and
        // must leave them to Kestrel.
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /poll/hold?ms=500 HTTP/1.1\r\nHost: poll.test\r\n\r\n"));
        await Eventually.TrueAsync(() => scenario.Backend.Requests == 1, because: "the long-poll never reached the backend");
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /poll/name HTTP/1.1\r\nHost: poll.test\r\n\r\n"));
        for (var i = 0; i < 2; i++)
        {
            var head = await RawHttp.ReadHeadAsync(stream);
            Assert.StartsWith("HTTP/1.1 200", head);
            Assert.Equal("backend-0", await RawHttp.ReadBodyAsync(stream, head));
        }

        Assert.Equal(0, scenario.Backend.AbortedHolds);
        Assert.Equal(["GET /poll/hold", "GET /poll/name"], scenario.Backend.Seen.Select(r => $"{r.Method} {r.Path}"));
    }
}
