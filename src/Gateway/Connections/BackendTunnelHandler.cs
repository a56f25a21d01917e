using System.Net;

namespace Sockway.Gateway.Connections;

/// <summary>Wraps the backend side of an upgraded (101) response in the tunnel's tracked stream.</summary>
internal sealed class BackendTunnelHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols && request.Options.TryGetValue(TunnelTransformProvider.TunnelKey, out var tunnel))
        {
            // An extension (permessage-deflate, say) may set the RSV bits; without one they are a protocol error.
            tunnel.Extensions = response.Headers.Contains("Sec-WebSocket-Extensions");
            response.Content = new TunnelContent(response.Content, tunnel);
        }

        return response;
    }

    /// <summary>Content whose stream is the tracked backend side; headers are carried over unchanged.</summary>
    private sealed class TunnelContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly Tunnel _tunnel;

        public TunnelContent(HttpContent inner, Tunnel tunnel)
        {
            _inner = inner;
            _tunnel = tunnel;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            _tunnel.AttachBackend(await _inner.ReadAsStreamAsync(cancellationToken));

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream, context);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        // Not disposing the inner content: its stream is the live backend connection, which the tunnel closes itself.
    }
}
