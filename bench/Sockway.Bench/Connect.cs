using System.Net.WebSockets;

namespace Sockway.Bench;

internal static class Connect
{
    /// <summary>Opens <paramref name="count"/> WebSockets, 64 at a time.</summary>
    public static async Task<List<ClientWebSocket>> ManyAsync(Uri url, int count)
    {
        var sockets = new List<ClientWebSocket>(count);
        using var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var socket = new ClientWebSocket();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(url, timeout.Token);
                return socket;
            }
            finally
            {
                gate.Release();
            }
        });
        sockets.AddRange(await Task.WhenAll(tasks));
        return sockets;
    }

    public static async Task CloseAllAsync(IEnumerable<ClientWebSocket> sockets)
    {
        await Task.WhenAll(sockets.Select(async s =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await s.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                s.Dispose();
            }
        }));
    }
}
