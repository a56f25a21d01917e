using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>Bad handshakes, foreign origins and plain requests on WebSocket-only routes never reach a backend.</summary>
public sealed class HandshakeGuardTests : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public async Task InitializeAsync() => _scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
    {
        ["guarded.yaml"] = Manifests.Join(
            Manifests.Route("guarded", "/ws", "guarded", extraSpec: """
                allowedOrigins: ["https://app.example.com", "https://*.trusted.example"]
                allowPlainHttp: false
                """),
            Manifests.Service("guarded")) + Manifests.Slices("guarded", [s.Backend.Port]),
    }, "default/guarded");

    public static TheoryData<string, string, int> MalformedHandshakes => new()
    {
        { "missing key", "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
        { "short key", "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
        { "no Connection: Upgrade", "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 400 },
        { "POST upgrade", "POST /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", 400 },
        { "old version", "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", 426 },
        { "foreign origin", "GET /ws HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 403 },
        { "plain GET on a WebSocket-only route", "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n", 426 },
    };

    [Theory]
    [MemberData(nameof(MalformedHandshakes))]
    public async Task Rejected_with_4xx_without_touching_the_backend(string what, string request, int status)
    {
        var (head, body) = await RawHttp.SendAsync(_scenario.Sockway.HttpUri.Port, request);

        Assert.True(head.StartsWith($"HTTP/1.1 {status}", StringComparison.Ordinal), $"{what}: {head}");
        Assert.False(string.IsNullOrWhiteSpace(body), $"{what}: the rejection should say why");
        Assert.Equal(0, _scenario.Backend.Requests);
    }

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://eu.trusted.example")]
    public async Task Allowed_origins_are_proxied(string origin)
    {
        using var socket = await WebSocketClient.ConnectAsync(_scenario.Sockway.WebSocketUri("/ws"), o => o.SetRequestHeader("Origin", origin));

        Assert.Equal("hi", await socket.RoundTripAsync("hi"));
    }

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}
