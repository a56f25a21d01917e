using System.Buffers;
using Sockway.Gateway.Framing;

namespace Sockway.Gateway.Connections;

/// <summary>
/// Copies one direction of a tunnel. Waits for data with a zero-byte read and rents a buffer only while bytes are
/// in hand, so an idle tunnel holds no buffer at all (YARP's own copier keeps 64 KiB per direction until the first
/// byte arrives, which is what an idle WebSocket costs most of).
/// </summary>
internal static class TunnelPump
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Copies until end of stream or failure, then ends the tunnel's other direction too (in a finally: whatever stopped it).</summary>
    public static async Task CopyAsync(TrackedStream from, TrackedStream to, Tunnel tunnel, bool fromClient, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        var violation = FrameViolation.None;
        try
        {
            // Nothing is held until the first bytes arrive.
            await WaitForDataAsync(from, cancellationToken);
            buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                // Keepalive: one read of a coarse clock, one write. Idle: a write that moved nothing but Pongs answering
                // Sockway's Pings (dropped) is not activity unless the route says so.
                from.MarkHeard();
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (!to.OnlyKeepalive)
                {
                    tunnel.MarkActive();
                }
                else
                {
                    to.OnlyKeepalive = false;
                    if (tunnel.Keepalive?.CountsAsActivity == true)
                    {
                        tunnel.MarkActive();
                    }
                }

                // More data already waiting: keep the buffer. Otherwise give it back while the tunnel is quiet.
                var wait = WaitForDataAsync(from, cancellationToken);
                if (!wait.IsCompletedSuccessfully)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                    await wait;
                    buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                }
            }
        }
        catch (FrameViolationException ex)
        {
            // The peer sent a frame that breaks RFC 6455: nothing of it went on, and the tunnel fails with 1002.
            violation = ex.Violation;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The peer went away, or the other direction ended the tunnel: either way this direction is done.
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await tunnel.EndDirectionAsync(fromClient, violation);
        }
    }

#pragma warning disable CA2022 // A zero-byte read only waits for data; it never consumes any.
    private static ValueTask<int> WaitForDataAsync(Stream from, CancellationToken cancellationToken) => from.ReadAsync(Memory<byte>.Empty, cancellationToken);
#pragma warning restore CA2022
}
