using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Connections;
using Sockway.Testing;
using Yarp.ReverseProxy;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// The backend half of the handshake, which Sockway speaks on its own socket: a backend written byte by byte answers
/// the way real servers do — refusing with a body in each HTTP/1.1 framing, greeting in the 101's own segment,
/// hanging up — and the client must see exactly what the backend meant.
/// </summary>
public sealed class BackendHandshakeTests
{
    private const string Upgrade = "GET /ws HTTP/1.1\r\nHost: handshake.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    public static TheoryData<string, string> Refusals => new()
    {
        { "content-length", "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n\r\nnot on this origin!\r\n" },
        { "chunked", "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnot \r\n11;ext=1\r\non this origin!\r\n\r\n0\r\nX-Trailer: t\r\n\r\n" },
        { "until-close", "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nnot on this origin!\r\n" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_backend_refusal_reaches_the_client_with_its_status_and_body(string framing, string reply)
    {
        await using var backend = ScriptedBackend.Start(_ => Encoding.ASCII.GetBytes(reply));
        await using var sockway = await StartAsync(backend.Port);

        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sockway.Sockway.HttpUri, "/ws"));
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.True(await response.Content.ReadAsStringAsync() is "not on this origin!\r\n", $"{framing}: wrong body");
    }

    [Fact]
    public async Task Bytes_the_backend_sends_together_with_its_101_reach_the_client_first()
    {
        // The 101 and a first text frame ("hello") leave the backend in one write, so they arrive in one segment.
        await using var backend = ScriptedBackend.Start(request =>
        {
            var key = request.Split("\r\n").Single(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            var head = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
            return [.. Encoding.ASCII.GetBytes(head), 0x81, 5, .. "hello"u8];
        });
        await using var sockway = await StartAsync(backend.Port);

        using var client = await WebSocketClient.ConnectAsync(sockway.Sockway.WebSocketUri("/ws"));
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await client.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal(WebSocketMessageType.Text, received.MessageType);
        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task A_backend_that_hangs_up_before_answering_gives_502_and_stays_in_rotation()
    {
        // It accepted the connection, so it is reachable: unlike a refused connection, this must not bench it for 5 s.
        var calls = 0;
        await using var flaky = ScriptedBackend.Start(_ =>
            Interlocked.Increment(ref calls) == 1 ? null : Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        await using var steady = ScriptedBackend.Start(_ => Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        await using var sockway = await StartAsync(flaky.Port, steady.Port);

        var heads = new List<string>();
        while (flaky.Requests.IsEmpty && heads.Count < 50)
        {
            heads.Add((await RawHttp.SendAsync(sockway.Sockway.HttpUri.Port, Upgrade + "\r\n")).Head);
        }

        Assert.StartsWith("HTTP/1.1 502", heads[^1]);
        for (var i = 0; i < 12; i++)
        {
            heads.Add((await RawHttp.SendAsync(sockway.Sockway.HttpUri.Port, Upgrade + "\r\n")).Head);
        }

        // Ties between the two idle endpoints are broken at random: all 12 landing on the steady one is a 1-in-4096 event.
        Assert.True(heads.Skip(heads.Count - 12).Any(h => h.StartsWith("HTTP/1.1 404", StringComparison.Ordinal)),
            $"the flaky endpoint got none of the 12; the gateway's view: {EndpointStates(sockway.Sockway)}");
    }

    /// <summary>Passive health and live count of each endpoint, to tell benching from a leaked slot on failure.</summary>
    private static string EndpointStates(SockwayHost sockway)
    {
        var registry = sockway.App.Services.GetRequiredService<ConnectionRegistry>();
        var endpoints = sockway.App.Services.GetRequiredService<RouteTable>().EndpointsOf("default/ws");
        return string.Join("; ", endpoints.All.Select(d =>
            $"{d.DestinationId}: passive {d.Health.Passive}, open {registry.Endpoint(d.DestinationId).Active}"));
    }

    [Fact]
    public async Task The_backend_receives_one_request_head_with_host_and_a_single_cookie_line()
    {
        await using var backend = ScriptedBackend.Start(_ => Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        await using var sockway = await StartAsync(backend.Port);

        await RawHttp.SendAsync(sockway.Sockway.HttpUri.Port, Upgrade + "Cookie: a=1\r\nCookie: b=2\r\n\r\n");

        var seen = Assert.Single(backend.Requests);
        var lines = seen.Split("\r\n");
        Assert.Equal("GET /ws HTTP/1.1", lines[0]);
        Assert.Contains("Host: handshake.test", lines);
        Assert.Equal(["Cookie: a=1; b=2"], lines.Where(l => l.StartsWith("Cookie:", StringComparison.OrdinalIgnoreCase)));
        Assert.Contains(lines, l => l.StartsWith("Upgrade: websocket", StringComparison.OrdinalIgnoreCase));
    }

    private static Task<Scenario> StartAsync(params int[] backendPorts) => Scenario.StartAsync(0, _ => new Dictionary<string, string>
    {
        ["ws.yaml"] = Manifests.Join(Manifests.Route("ws", "/ws", "scripted"), Manifests.Service("scripted")) + Manifests.Slices("scripted", backendPorts),
    }, "default/ws");

    /// <summary>
    /// A TCP server that reads one request head per connection and writes back a scripted reply (null: hang up). It
    /// closes after a refusal (so a body without length ends) and holds an upgraded connection open.
    /// </summary>
    private sealed class ScriptedBackend : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Func<string, byte[]?> _reply;
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        private ScriptedBackend(Func<string, byte[]?> reply) => _reply = reply;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

        public static ScriptedBackend Start(Func<string, byte[]?> reply)
        {
            var backend = new ScriptedBackend(reply);
            backend._listener.Start();
            backend._loop = backend.AcceptAsync();
            return backend;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _ = ServeAsync(client);
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var head = await RawHttp.ReadHeadAsync(stream);
                Requests.Enqueue(head);
                if (_reply(head) is { } reply)
                {
                    await stream.WriteAsync(reply);
                    if (!Encoding.ASCII.GetString(reply).StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                    {
                        return;
                    }

                    // Hold an upgraded connection until the proxy ends it or the test ends.
                    try
                    {
                        var sink = new byte[256];
                        while (await stream.ReadAsync(sink, _stop.Token) > 0)
                        {
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or IOException)
                    {
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
        }
    }
}
