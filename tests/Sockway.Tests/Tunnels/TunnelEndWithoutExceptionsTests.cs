using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Connections;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Tunnels;

/// <summary>
/// A tunnel that ends the ordinary way (the Close handshake, then the backend's FIN) ends its other direction's
/// pending read with end-of-stream, not by closing the socket under it: an exception thrown and caught per tunnel is
/// tens of microseconds of CPU on every WebSocket, the moment a reconnect storm is made of.
/// </summary>
/// <remarks>First-chance exceptions are counted for the whole process, so this class runs alone.</remarks>
[Collection(nameof(TunnelEndWithoutExceptionsTests))]
[CollectionDefinition(nameof(TunnelEndWithoutExceptionsTests), DisableParallelization = true)]
public sealed class TunnelEndWithoutExceptionsTests
{
    private const int Tunnels = 30;

    [Fact]
    public async Task Closing_tunnels_cleanly_throws_no_aborted_read()
    {
        await using var scenario = await Scenario.StartAsync(1, s => new Dictionary<string, string>
        {
            ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", s.Backends.Select(b => b.Port)),
        }, "default/echo");
        var registry = scenario.Sockway.App.Services.GetRequiredService<ConnectionRegistry>();
        var aborted = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (IsAbortedRead(e.Exception))
            {
                Interlocked.Increment(ref aborted);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            for (var i = 0; i < Tunnels; i++)
            {
                using var socket = await WebSocketClient.ConnectAsync(scenario.Sockway.WebSocketUri("/ws"));
                Assert.Equal("hello", await socket.RoundTripAsync("hello"));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
                await Eventually.TrueAsync(() => !registry.Tunnels.Any(), because: $"tunnel {i} never ended");
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, aborted);
    }

    private static bool IsAbortedRead(Exception exception) => exception switch
    {
        SocketException { SocketErrorCode: SocketError.OperationAborted } => true,
        IOException { InnerException: SocketException { SocketErrorCode: SocketError.OperationAborted } } => true,
        ObjectDisposedException { ObjectName: var name } => name?.Contains("Socket", StringComparison.Ordinal) == true,
        _ => false,
    };
}
