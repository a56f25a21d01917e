using Microsoft.AspNetCore.Http.Features;
using Sockway.Gateway.Balancing;
using Sockway.Gateway.Connections.Transport;
using Sockway.Gateway.Listening;

namespace Sockway.Gateway.Connections;

/// <summary>
/// Replaces Kestrel's HTTP/1.1 upgrade feature for WebSocket requests, so the client side of the tunnel YARP
/// receives is Sockway's tracked stream. On a detachable connection the tunnel takes the client's socket itself
/// once Kestrel has sent the 101, and Kestrel's upgraded stream is never used.
/// </summary>
internal sealed class TrackedUpgradeFeature(IHttpUpgradeFeature inner, TunnelFeature tunnel, DetachableConnection? connection, ITunnelTransport transport) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = await inner.UpgradeAsync();
        if (tunnel.Tunnel is not { } open)
        {
            return stream;
        }

        return connection?.TryDetach() is { } detached
            ? open.AttachClient(transport.Adopt(detached.Socket, detached.Leftover), detached: true)
            : open.AttachClient(stream);
    }
}

/// <summary>The same for HTTP/2 extended CONNECT (RFC 8441).</summary>
internal sealed class TrackedExtendedConnectFeature(IHttpExtendedConnectFeature inner, TunnelFeature tunnel) : IHttpExtendedConnectFeature
{
    public bool IsExtendedConnect => inner.IsExtendedConnect;

    public string? Protocol => inner.Protocol;

    public async ValueTask<Stream> AcceptAsync()
    {
        var stream = await inner.AcceptAsync();
        return tunnel.Tunnel?.AttachClient(stream) ?? stream;
    }
}
