using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sockway.Gateway.Handshake;

/// <summary>Checks a WebSocket opening handshake (RFC 6455 §4.2.1, RFC 8441 §4) before any backend is touched.</summary>
internal static class HandshakeValidator
{
    public const string SupportedVersion = "13";

    public static HandshakeVerdict Inspect(HttpContext context)
    {
        var request = context.Request;
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (connect is { IsExtendedConnect: true })
        {
            if (!string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                return new(HandshakeKind.Http2ExtendedConnect, StatusCodes.Status400BadRequest, $"unsupported :protocol '{connect.Protocol}'");
            }

            return CheckVersion(request, HandshakeKind.Http2ExtendedConnect);
        }

        if (!HasToken(request.Headers.Upgrade, "websocket"))
        {
            return new(HandshakeKind.PlainHttp);
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            return new(HandshakeKind.Http1Upgrade, StatusCodes.Status400BadRequest, $"method must be GET, was {request.Method}");
        }

        if (!HasToken(request.Headers.Connection, "upgrade"))
        {
            return new(HandshakeKind.Http1Upgrade, StatusCodes.Status400BadRequest, "Connection header lacks the 'Upgrade' token");
        }

        if (!IsValidKey(request.Headers.SecWebSocketKey))
        {
            return new(HandshakeKind.Http1Upgrade, StatusCodes.Status400BadRequest, "Sec-WebSocket-Key must be 16 bytes in base64");
        }

        return CheckVersion(request, HandshakeKind.Http1Upgrade);
    }

    private static HandshakeVerdict CheckVersion(HttpRequest request, HandshakeKind kind)
    {
        var version = request.Headers.SecWebSocketVersion.ToString();
        return version == SupportedVersion
            ? new(kind)
            : new(kind, StatusCodes.Status426UpgradeRequired, $"Sec-WebSocket-Version must be {SupportedVersion}, was '{version}'");
    }

    private static bool IsValidKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length != 24)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[18];
        return Convert.TryFromBase64String(key, bytes, out var written) && written == 16;
    }

    private static bool HasToken(Microsoft.Extensions.Primitives.StringValues values, string token)
    {
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (string.Equals(part, token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
