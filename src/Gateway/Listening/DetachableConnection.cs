using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sockway.Gateway.Listening;

/// <summary>
/// A client connection Kestrel speaks HTTP/1.1 over, which a tunnel can take away once the handshake is done.
/// Kestrel keeps an upgraded request — its connection, request objects and the suspended middleware chain — alive
/// for the tunnel's whole life (~12 KiB per idle tunnel, docs/benchmarks.md) and moves every message through its
/// pipes. Detached, the tunnel owns the bare socket and Kestrel finishes the request as if the connection had
/// closed, so an open WebSocket costs two sockets and Sockway's own small state.
/// The pipes read only when Kestrel asks (no receive loop of their own), so after the detach nothing else
/// touches the socket.
/// </summary>
internal sealed class DetachableConnection : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    // Where the HTTP layer finds this connection (connection items reach every request on it).
    private const string ItemKey = "sockway.detachable-connection";

    // A peek never keeps what it reads, so every watch can share one byte.
    private static readonly byte[] PeekBuffer = new byte[1];

    private static long _lastId;
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly Lock _gate = new();
    private bool _detached;
    private bool _disposed;

    public DetachableConnection(Socket socket)
    {
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: false);
        // Zero-byte reads: a keep-alive connection waiting for its next request holds no buffer.
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true, useZeroByteReads: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        Transport = new DuplexPipe(_input, _output);
        ConnectionId = "sw" + Interlocked.Increment(ref _lastId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        Items = new Dictionary<object, object?> { [ItemKey] = this };
        Features = new FeatureCollection();
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        ConnectionClosed = _closed.Token;
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items { get; set; }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    /// <summary>The detachable connection a request arrived on; null on every other listener.</summary>
    public static DetachableConnection? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var item) == true ? item as DetachableConnection : null;

    /// <summary>
    /// Watches, while a request without a body is in flight and Kestrel reads nothing, for the client going away
    /// (FIN or reset), and then aborts the connection, which aborts the request. Kestrel's own transport learns
    /// this from its receive loop; this one has none. Returns without effect when the client sends more bytes
    /// (a pipelined request, left for Kestrel) or when <paramref name="stop"/> fires.
    /// </summary>
    public async Task WatchForClientCloseAsync(CancellationToken stop)
    {
        try
        {
            if (await _socket.ReceiveAsync(PeekBuffer, SocketFlags.Peek, stop) > 0)
            {
                return;
            }
        }
        catch (SocketException)
        {
            // Reset by the client: gone as well.
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        Abort(new ConnectionAbortedException("The client closed the connection during the request."));
    }

    /// <summary>
    /// Takes the socket away from Kestrel: from now on the caller owns it, and bytes the client sent after the
    /// request head (already buffered here) are returned to be delivered first. Null when the connection cannot be
    /// detached (already closed, or Kestrel is reading it), in which case Kestrel's own upgraded stream must be used.
    /// Call only once the response head is on the wire.
    /// </summary>
    public Detached? TryDetach()
    {
        lock (_gate)
        {
            if (_detached || _disposed || _closed.IsCancellationRequested)
            {
                return null;
            }

            byte[] leftover;
            try
            {
                leftover = TakeBuffered();
            }
            catch (InvalidOperationException)
            {
                return null; // A read of Kestrel's own is in progress.
            }

            _detached = true;
            return new Detached(_socket, leftover);
        }
    }

    private byte[] TakeBuffered()
    {
        if (!_input.TryRead(out var result))
        {
            return [];
        }

        var bytes = result.Buffer.ToArray();
        _input.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        lock (_gate)
        {
            if (_detached || _disposed)
            {
                return;
            }

            // A pending read then sees the end of the stream, which Kestrel handles as the client going away.
            Shutdown();
        }

        _closed.Cancel();
    }

    public override async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync();
        await _output.CompleteAsync();
        lock (_gate)
        {
            _disposed = true;
            if (!_detached)
            {
                Shutdown();
                _socket.Dispose();
            }
        }
    }

    private void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer, or closed.
        }
    }

    /// <summary>A socket taken from Kestrel, with the bytes already read from it.</summary>
    public sealed record Detached(Socket Socket, byte[] Leftover);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
