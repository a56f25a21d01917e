namespace Sockway.Gateway.Handshake;

internal enum HandshakeKind
{
    /// <summary>Not an upgrade: a plain HTTP request.</summary>
    PlainHttp,

    /// <summary>RFC 6455: HTTP/1.1 GET with Upgrade: websocket.</summary>
    Http1Upgrade,

    /// <summary>RFC 8441: HTTP/2 extended CONNECT with :protocol websocket.</summary>
    Http2ExtendedConnect,

    /// <summary>An HTTP/1.1 Upgrade to anything but WebSocket (h2c, SPDY, a custom protocol): refused.</summary>
    OtherUpgrade,
}

/// <summary>The verdict on an incoming request: what kind it is, and why it is malformed if it is.</summary>
internal readonly record struct HandshakeVerdict(HandshakeKind Kind, int RejectStatus = 0, string? Problem = null)
{
    public bool IsWebSocket => Kind is HandshakeKind.Http1Upgrade or HandshakeKind.Http2ExtendedConnect;

    public bool IsValid => Problem is null;

    /// <summary>The client asked for a WebSocket version Sockway does not speak: the 426 names the one it does.</summary>
    public bool WrongVersion { get; init; }
}
