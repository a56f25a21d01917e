using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sockway.Testing;

/// <summary>
/// A real Kestrel backend on loopback: WebSocket echo at /ws (and any path), plain GET answers its name, and a
/// plain GET on a path ending in /hold is a long-poll that answers its name after 30 s (or ?ms=N) or ends when aborted.
/// Records what it saw so tests can assert what reached the backend — and what never did.
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _openSockets;
    private int _requests;
    private int _abortedHolds;

    private TestBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    private bool _compression;

    public int Port { get; private set; }

    /// <summary>The address it listens on (what a slice names).</summary>
    public string Address { get; private set; } = "127.0.0.1";

    /// <summary>WebSockets currently open on this backend.</summary>
    public int OpenSockets => Volatile.Read(ref _openSockets);

    /// <summary>Every request that reached this backend (upgrades included).</summary>
    public int Requests => Volatile.Read(ref _requests);

    public ConcurrentQueue<SeenRequest> Seen { get; } = new();

    /// <summary>Long-polls (/hold) that ended because the request was aborted, as when its client went away.</summary>
    public int AbortedHolds => Volatile.Read(ref _abortedHolds);

    /// <summary>Close statuses this backend received from the peer (the gateway), in order.</summary>
    public ConcurrentQueue<WebSocketCloseStatus?> CloseStatuses { get; } = new();

    /// <summary>
    /// Starts on <paramref name="address"/> (loopback by default). <paramref name="createListenSocket"/>, when given,
    /// makes the listening socket (e.g. inside a test's network namespace); Kestrel serves whatever it returns.
    /// </summary>
    /// <param name="compression">Accept permessage-deflate when a client offers it.</param>
    public static async Task<TestBackend> StartAsync(string name, int port = 0, System.Net.IPAddress? address = null,
        Func<System.Net.EndPoint, System.Net.Sockets.Socket>? createListenSocket = null, bool compression = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address ?? System.Net.IPAddress.Loopback, port));
        if (createListenSocket is not null)
        {
            builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = createListenSocket);
        }

        var app = builder.Build();
        var backend = new TestBackend(name, app) { _compression = compression };
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var listening = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        backend.Port = listening.Port;
        backend.Address = listening.Host;
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var headers = context.Request.Headers;
        Seen.Enqueue(new SeenRequest(context.Request.Method, context.Request.Path, headers.Host.ToString(), headers["X-Forwarded-For"].ToString(),
            headers["X-Forwarded-Proto"].ToString(), headers["X-Forwarded-Host"].ToString(), context.WebSockets.IsWebSocketRequest));
        if (!context.WebSockets.IsWebSocketRequest)
        {
            if (context.Request.Path.Value?.EndsWith("/hold", StringComparison.Ordinal) == true)
            {
                try
                {
                    var holdMs = int.TryParse(context.Request.Query["ms"], out var ms) ? ms : 30_000;
                    await Task.Delay(holdMs, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref _abortedHolds);
                    return;
                }
            }

            await context.Response.WriteAsync(Name);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = _compression });
        Interlocked.Increment(ref _openSockets);
        try
        {
            await EchoAsync(socket, context.RequestAborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            CloseStatuses.Enqueue(null);
        }
        finally
        {
            Interlocked.Decrement(ref _openSockets);
        }
    }

    private async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        // "whoami" is answered with the backend's name, so tests can tell which backend holds a tunnel.
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                CloseStatuses.Enqueue(received.CloseStatus);
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(received.CloseStatus ?? WebSocketCloseStatus.NormalClosure, received.CloseStatusDescription, CancellationToken.None);
                }

                return;
            }

            var reply = received.EndOfMessage && received.MessageType == WebSocketMessageType.Text && received.Count == 6
                && System.Text.Encoding.UTF8.GetString(buffer, 0, 6) == "whoami"
                ? System.Text.Encoding.UTF8.GetBytes(Name)
                : buffer.AsMemory(0, received.Count);
            await socket.SendAsync(reply, received.MessageType, received.EndOfMessage, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => HostStopper.StopAsync(_app, TimeSpan.FromSeconds(5));
}

public sealed record SeenRequest(string Method, string Path, string Host, string ForwardedFor, string ForwardedProto, string ForwardedHost, bool IsWebSocket);
