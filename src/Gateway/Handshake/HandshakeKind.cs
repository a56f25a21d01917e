namespace Sockway.Gateway.Handshake;

internal enum HandshakeKind
{
    /// <summary>Not a WebSocket request: a plain HTTP request.</summary>
    PlainHttp,

    /// <summary>RFC 6455: HTTP/1.1 GET with Upgrade: websocket.</summary>
    Http1Upgrade,

    /// <summary>RFC 8441: HTTP/2 extended CONNECT with :protocol websocket.</summary>
    Http2ExtendedConnect,
}

/// <summary>The verdict on an incoming request: what kind it is, and why it is malformed if it is.</summary>
internal readonly record struct HandshakeVerdict(HandshakeKind Kind, int RejectStatus = 0, string? Problem = null)
{
    public bool IsWebSocket => Kind != HandshakeKind.PlainHttp;

    public bool IsValid => Problem is null;
}
