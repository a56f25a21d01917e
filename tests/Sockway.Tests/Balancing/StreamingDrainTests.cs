using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Balancing;

/// <summary>
/// A drain keeps its window even when both sides stream without pause: the Close goes out at the next frame
/// boundary, and a side still mid-frame after the boundary wait gets a clean TCP close instead of being waited for.
/// </summary>
public sealed class StreamingDrainTests
{
    private const int Clients = 8;
    private const int MaxMessage = 256 * 1024;

    [Fact]
    public async Task Two_way_streaming_tunnels_are_closed_within_the_drain_window()
    {
        await using var pool = await BackendPool.StartAsync(1, "timeouts:\n  drain: 4s");
        var clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => StreamingClient.StartAsync(pool.Uri, seed: i)));
        await pool.AddBackendAsync();
        // Both ways busy: every client has sent and received several large messages.
        await Eventually.TrueAsync(() => clients.All(c => c.Received > 4), TimeSpan.FromSeconds(30), "clients streaming both ways");

        var removedAt = DateTime.UtcNow;
        await pool.RemoveAsync(pool.Backends[0]);
        var servedAt = DateTime.UtcNow;
        await Task.WhenAll(clients.Select(c => c.Ended)).WaitAsync(TimeSpan.FromSeconds(30));

        var report = string.Join("; ", clients.Select(c => $"{c.EndedAt - servedAt:s\\.ff}s {c.Outcome}"));
        // The drain starts when the change is served; the first half of the window is grace.
        Assert.All(clients, c => Assert.True(c.EndedAt - removedAt >= TimeSpan.FromSeconds(1.9), $"ended inside the grace: {report}"));
        // Closed within the 4 s window (with this machine's scheduling slack), not 17 s later.
        Assert.All(clients, c => Assert.True(c.EndedAt - servedAt <= TimeSpan.FromSeconds(4 + 1.5), $"drain window overshot: {report}"));
        // Each end is a Close 1001 or, for a side Sockway found mid-frame, the end of the connection — never a stall.
        Assert.All(clients, c => Assert.True(c.Outcome is "1001" or "closed", report));
        Assert.Contains(clients, c => c.Outcome == "1001");
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
    }

    /// <summary>Sends a binary message of up to 256 KiB every 5 ms while reading the echoes, until the tunnel ends.</summary>
    private sealed class StreamingClient : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Random _random;
        private Task _send = Task.CompletedTask;
        private Task _receive = Task.CompletedTask;
        private int _received;

        private StreamingClient(int seed) => _random = new Random(seed);

        public int Received => Volatile.Read(ref _received);

        public Task Ended => _ended.Task;

        public DateTime EndedAt { get; private set; }

        /// <summary>"1001" (a Close with that code), "closed" (the connection ended without one), or what went wrong.</summary>
        public string Outcome { get; private set; } = "open";

        public static async Task<StreamingClient> StartAsync(Uri uri, int seed)
        {
            var client = new StreamingClient(seed);
            await client._socket.ConnectAsync(uri, client._stop.Token);
            client._send = Task.Run(client.SendAsync);
            client._receive = Task.Run(client.ReceiveAsync);
            return client;
        }

        private async Task SendAsync()
        {
            var payload = new byte[MaxMessage];
            _random.NextBytes(payload);
            try
            {
                while (!_ended.Task.IsCompleted)
                {
                    await _socket.SendAsync(payload.AsMemory(0, _random.Next(1, MaxMessage + 1)), WebSocketMessageType.Binary, true, _stop.Token);
                    await Task.Delay(5, _stop.Token);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The tunnel ended under the send; the receiver records how.
            }
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        End(((int?)result.CloseStatus)?.ToString() ?? "close without code");
                        await _socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        return;
                    }

                    if (result.EndOfMessage)
                    {
                        Interlocked.Increment(ref _received);
                    }
                }
            }
            catch (WebSocketException) when (_socket.CloseStatus is { } status)
            {
                End(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (WebSocketException ex) when (ex.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely)
            {
                End("closed");
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
            {
                End(ex.GetType().Name + ": " + ex.Message);
            }
        }

        private void End(string outcome)
        {
            if (EndedAt == default)
            {
                EndedAt = DateTime.UtcNow;
                Outcome = outcome;
            }

            _ended.TrySetResult();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_send, _receive);
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
