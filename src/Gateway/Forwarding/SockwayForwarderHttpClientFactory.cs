using System.Globalization;
using Sockway.Gateway.Configuration;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Sockway.Gateway.Forwarding;

/// <summary>Applies each route's connect and handshake timeouts to the handler YARP uses for its cluster.</summary>
internal sealed class SockwayForwarderHttpClientFactory(IOptions<GatewayOptions> options, TimeProvider time, Connections.Transport.ITunnelTransport transport) : ForwarderHttpClientFactory
{
    private readonly bool _trackFrames = options.Value.FrameTracking;
    private readonly bool _plainSocketUpgrades = options.Value.PlainSocketUpgrades;

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (ReadMilliseconds(context.NewMetadata, YarpConfigBuilder.ConnectTimeoutMetadata) is { } connect)
        {
            handler.ConnectTimeout = connect;
        }
    }

    // The backend side of every upgraded tunnel passes through here: opened on its own socket, then tracked.
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        var wrapped = base.WrapHandler(context, handler);
        if (_plainSocketUpgrades)
        {
            var connectTimeout = handler is SocketsHttpHandler sockets ? sockets.ConnectTimeout : Timeout.InfiniteTimeSpan;
            wrapped = new PlainSocketUpgradeHandler(wrapped, connectTimeout, transport);
        }

        wrapped = _trackFrames ? new BackendTunnelHandler(wrapped) : wrapped;
        return ReadMilliseconds(context.NewMetadata, YarpConfigBuilder.HandshakeTimeoutMetadata) is { } handshake
            ? new HandshakeTimeoutHandler(wrapped, handshake, time)
            : wrapped;
    }

    protected override bool CanReuseOldClient(ForwarderHttpClientContext context) =>
        base.CanReuseOldClient(context)
        && Same(context.OldMetadata, context.NewMetadata, YarpConfigBuilder.ConnectTimeoutMetadata)
        && Same(context.OldMetadata, context.NewMetadata, YarpConfigBuilder.HandshakeTimeoutMetadata);

    private static TimeSpan? ReadMilliseconds(IReadOnlyDictionary<string, string>? metadata, string key) =>
        metadata?.TryGetValue(key, out var value) == true
        && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    private static bool Same(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b, string key)
    {
        string? Read(IReadOnlyDictionary<string, string>? m) => m is not null && m.TryGetValue(key, out var v) ? v : null;
        return Read(a) == Read(b);
    }
}
