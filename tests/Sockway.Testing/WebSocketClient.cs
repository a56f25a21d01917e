using System.Net.WebSockets;
using System.Text;

namespace Sockway.Testing;

/// <summary>Small helpers over a real ClientWebSocket.</summary>
public static class WebSocketClient
{
    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null, HttpMessageInvoker? invoker = null, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(uri, invoker, timeout.Token);
        return socket;
    }

    public static async Task SendTextAsync(this WebSocket socket, string text, CancellationToken cancellationToken = default) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Receives one whole text message (or throws on close), within a timeout.</summary>
    public static async Task<string> ReceiveTextAsync(this WebSocket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed by peer: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    public static async Task<string> RoundTripAsync(this WebSocket socket, string text)
    {
        await socket.SendTextAsync(text);
        return await socket.ReceiveTextAsync();
    }

    /// <summary>Asks the test backend behind this tunnel for its name.</summary>
    public static Task<string> WhoAmIAsync(this WebSocket socket) => socket.RoundTripAsync("whoami");
}
