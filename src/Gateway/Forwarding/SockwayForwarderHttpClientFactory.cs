using System.Globalization;
using Sockway.Gateway.Configuration;
using Microsoft.Extensions.Options;
using Sockway.Gateway.Connections;
using Sockway.Gateway.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Sockway.Gateway.Forwarding;

/// <summary>Applies each route's connect timeout to the handler YARP uses for its cluster.</summary>
internal sealed class SockwayForwarderHttpClientFactory(IOptions<GatewayOptions> options) : ForwarderHttpClientFactory
{
    private readonly bool _trackFrames = options.Value.FrameTracking;
    private readonly bool _plainSocketUpgrades = options.Value.PlainSocketUpgrades;

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (context.NewMetadata?.TryGetValue(YarpConfigBuilder.ConnectTimeoutMetadata, out var value) == true
            && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0)
        {
            handler.ConnectTimeout = TimeSpan.FromMilliseconds(ms);
        }
    }

    // The backend side of every upgraded tunnel passes through here: opened on its own socket, then tracked.
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        var wrapped = base.WrapHandler(context, handler);
        if (_plainSocketUpgrades)
        {
            var connectTimeout = handler is SocketsHttpHandler sockets ? sockets.ConnectTimeout : Timeout.InfiniteTimeSpan;
            wrapped = new PlainSocketUpgradeHandler(wrapped, connectTimeout);
        }

        return _trackFrames ? new BackendTunnelHandler(wrapped) : wrapped;
    }

    protected override bool CanReuseOldClient(ForwarderHttpClientContext context) =>
        base.CanReuseOldClient(context) && SameConnectTimeout(context.OldMetadata, context.NewMetadata);

    private static bool SameConnectTimeout(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        string? Read(IReadOnlyDictionary<string, string>? m) => m is not null && m.TryGetValue(YarpConfigBuilder.ConnectTimeoutMetadata, out var v) ? v : null;
        return Read(a) == Read(b);
    }
}
