using System.Collections.Concurrent;
using System.Net.WebSockets;
using Sockway.Testing;

namespace Sockway.Tests.Balancing;

/// <summary>
/// A well-behaved long-lived client: holds a WebSocket, answers the server's Close, and (optionally) reconnects
/// after a graceful one — as real clients do after 1001/1012. Records every way its connections ended.
/// </summary>
internal sealed class ClientLoop
{
    private readonly Uri _uri;
    private readonly bool _reconnect;
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public ClientLoop(Uri uri, bool reconnect)
    {
        _uri = uri;
        _reconnect = reconnect;
    }

    public ConcurrentQueue<WebSocketCloseStatus> GracefulCloses { get; } = new();

    public ConcurrentQueue<DateTime> CloseTimes { get; } = new();

    public ConcurrentQueue<string> Abnormal { get; } = new();

    public volatile string? Backend;

    public Task Connected => _connected.Task;

    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start() => _run = Task.Run(RunAsync);

    public async Task StopAsync()
    {
        _stop.Cancel();
        if (_run is not null)
        {
            await _run;
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(_uri, _stop.Token);
                Backend = await socket.WhoAmIAsync();
                _connected.TrySetResult();
                var result = await socket.ReceiveAsync(new byte[1024], _stop.Token);
                if (result.MessageType != WebSocketMessageType.Close)
                {
                    Abnormal.Enqueue($"unexpected {result.MessageType}");
                    return;
                }

                CloseTimes.Enqueue(DateTime.UtcNow);
                GracefulCloses.Enqueue(result.CloseStatus!.Value);
                await socket.CloseOutputAsync(result.CloseStatus.Value, null, CancellationToken.None);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }

                return;
            }
            catch (WebSocketException) when (socket.CloseStatus is { } status)
            {
                // The server's Close arrived while we were still asking who it was: graceful all the same.
                CloseTimes.Enqueue(DateTime.UtcNow);
                GracefulCloses.Enqueue(status);
                await socket.CloseOutputAsync(status, null, CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                Abnormal.Enqueue(ex.Message);
            }

            if (!_reconnect)
            {
                return;
            }
        }
    }
}
