using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sockway.Gateway.Forwarding;

/// <summary>
/// Sends HTTP/1.1 upgrade requests over a socket of their own instead of SocketsHttpHandler. An upgraded connection
/// is never reused, yet SocketsHttpHandler keeps its connection object and two 4 KiB buffers for the tunnel's whole
/// life — the largest per-tunnel cost measured (docs/benchmarks.md). Here the handshake is read into a pooled buffer
/// that goes back to the pool at the 101, and the tunnel is just the socket. Everything else (plain requests, TLS
/// backends, requests with a body) goes to the inner handler.
/// </summary>
internal sealed class PlainSocketUpgradeHandler(HttpMessageHandler inner, TimeSpan connectTimeout, Connections.Transport.ITunnelTransport transport) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!IsPlainUpgrade(request))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var socket = await ConnectAsync(request.RequestUri!, cancellationToken);
        try
        {
            InjectTraceContext(request);
            await SendHeadAsync(socket, request, cancellationToken);
            using var reader = new BackendResponseReader(socket);
            var head = await reader.ReadHeadAsync(cancellationToken);
            if (head.StatusCode == (int)HttpStatusCode.SwitchingProtocols)
            {
                return Response(request, head, new UpgradedContent(transport.Adopt(socket, reader.TakeLeftover())));
            }

            var body = await reader.ReadBodyAsync(head, cancellationToken);
            socket.Dispose();
            return Response(request, head, new ByteArrayContent(body));
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (ex is OperationCanceledException or HttpRequestException)
            {
                throw;
            }

            throw new HttpRequestException(HttpRequestError.Unknown, "The upgrade request to the backend failed.", ex);
        }
    }

    private static bool IsPlainUpgrade(HttpRequestMessage request) =>
        request.Version == HttpVersion.Version11
        && request.Method == HttpMethod.Get
        && request.RequestUri is { Scheme: "http" }
        && request.Content is null
        && request.Headers.Contains("Upgrade");

    private async Task<Socket> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        // Endpoints are IP addresses (from EndpointSlices): a socket of that family connects directly. A name (an
        // ExternalName Service) gets a dual-mode socket, which takes either family the resolver returns.
        var address = IPAddress.TryParse(uri.IdnHost, out var parsed) ? parsed : null;
        var socket = address is null ? new Socket(SocketType.Stream, ProtocolType.Tcp) : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        try
        {
            EndPoint endpoint = address is null ? new DnsEndPoint(uri.IdnHost, uri.Port) : new IPEndPoint(address, uri.Port);
            await socket.ConnectAsync(endpoint, timeout.Token);
            return socket;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            var what = ex is SocketException ? ex.Message : $"no connection within {connectTimeout.TotalSeconds:0.###} s";
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Could not connect to {uri.Authority}: {what}.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task SendHeadAsync(Socket socket, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var head = new ArrayBufferWriter<byte>(1024);
        UpgradeRequestWriter.Write(request, head);
        var remaining = head.WrittenMemory;
        while (!remaining.IsEmpty)
        {
            var sent = await socket.SendAsync(remaining, SocketFlags.None, cancellationToken);
            remaining = remaining[sent..];
        }
    }

    // What SocketsHttpHandler's diagnostics would do: the backend continues the trace of the upgrade.
    private static void InjectTraceContext(HttpRequestMessage request)
    {
        if (Activity.Current is { } activity)
        {
            DistributedContextPropagator.Current.Inject(activity, request.Headers, static (carrier, name, value) =>
            {
                var headers = (System.Net.Http.Headers.HttpRequestHeaders)carrier!;
                if (!headers.Contains(name))
                {
                    headers.TryAddWithoutValidation(name, value);
                }
            });
        }
    }

    private static HttpResponseMessage Response(HttpRequestMessage request, BackendResponseHead head, HttpContent content)
    {
        var response = new HttpResponseMessage((HttpStatusCode)head.StatusCode)
        {
            Version = HttpVersion.Version11,
            ReasonPhrase = head.ReasonPhrase,
            RequestMessage = request,
            Content = content,
        };
        foreach (var (name, value) in head.Headers)
        {
            // The body was already de-framed; its length is the content's own.
            if (string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }
}
