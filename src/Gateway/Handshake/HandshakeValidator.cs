using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Sockway.Gateway.Handshake;

/// <summary>
/// Checks a WebSocket opening handshake (RFC 6455 §4.1–4.2.1, RFC 8441 §4) before any backend is touched. Anything
/// that is not exactly one well-formed handshake is refused: a backend must never see a request Sockway would have
/// read differently (a body behind an upgrade, two keys, an HTTP/1.0 client that cannot hold a tunnel).
/// </summary>
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
                return Bad(HandshakeKind.Http2ExtendedConnect, $"unsupported :protocol '{connect.Protocol}'");
            }

            return CheckVersion(request, HandshakeKind.Http2ExtendedConnect);
        }

        var upgrade = request.Headers.Upgrade;
        if (StringValues.IsNullOrEmpty(upgrade))
        {
            return new(HandshakeKind.PlainHttp);
        }

        if (!HasToken(upgrade, "websocket"))
        {
            // Only WebSocket tunnels are understood (framed, closed gracefully); h2c, SPDY or custom protocols are not.
            return Bad(HandshakeKind.OtherUpgrade, $"upgrade to '{Printable(upgrade.ToString())}' is not supported; only websocket is");
        }

        const HandshakeKind kind = HandshakeKind.Http1Upgrade;
        if (!HttpProtocol.IsHttp11(request.Protocol))
        {
            return Bad(kind, $"WebSocket requires HTTP/1.1 or later, the request is {Printable(request.Protocol)}");
        }

        // Methods are case-sensitive (RFC 9110 §9.1); HttpMethods.IsGet would let "get" through as GET.
        if (!string.Equals(request.Method, HttpMethods.Get, StringComparison.Ordinal))
        {
            return Bad(kind, $"method must be GET, was {Printable(request.Method)}");
        }

        if (request.ContentLength > 0 || !StringValues.IsNullOrEmpty(request.Headers.TransferEncoding))
        {
            return Bad(kind, "an upgrade request must not have a body");
        }

        if (!HasToken(request.Headers.Connection, "upgrade"))
        {
            return Bad(kind, "Connection header lacks the 'Upgrade' token");
        }

        if (FindMalformedHeader(request.Headers) is { } malformed)
        {
            return Bad(kind, malformed);
        }

        var key = request.Headers.SecWebSocketKey;
        if (key.Count != 1 || !IsValidKey(key[0]))
        {
            return Bad(kind, key.Count > 1 ? "Sec-WebSocket-Key must be sent once" : "Sec-WebSocket-Key must be 16 bytes in base64");
        }

        return CheckVersion(request, kind);
    }

    private static HandshakeVerdict CheckVersion(HttpRequest request, HandshakeKind kind)
    {
        var versions = request.Headers.SecWebSocketVersion;
        if (versions.Count != 1 || !IsVersionToken(versions[0]))
        {
            return Bad(kind, versions.Count > 1 ? "Sec-WebSocket-Version must be sent once" : "Sec-WebSocket-Version must be one version number");
        }

        // RFC 6455 §4.4: a version the server does not speak gets 426 naming the one it does.
        return versions[0] == SupportedVersion
            ? new(kind)
            : new(kind, StatusCodes.Status426UpgradeRequired, $"Sec-WebSocket-Version must be {SupportedVersion}, was '{versions[0]}'") { WrongVersion = true };
    }

    // RFC 6455 §4.1: a version is a number 0–255 written without leading zeros.
    private static bool IsVersionToken(string? version) =>
        version is { Length: >= 1 and <= 3 } && !version.AsSpan().ContainsAnyExceptInRange('0', '9') && (version.Length == 1 || version[0] != '0')
        && int.Parse(version, System.Globalization.CultureInfo.InvariantCulture) <= 255;

    private static bool IsValidKey(string? key)
    {
        if (key is not { Length: 24 } || !key.EndsWith("==", StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[18];
        return Convert.TryFromBase64String(key, bytes, out var written) && written == 16;
    }

    // Kestrel lets control characters through in header names (and, but for CR, LF and NUL, in values); a handshake
    // is forwarded header by header, so one that a backend could read differently is refused here.
    private static string? FindMalformedHeader(IHeaderDictionary headers)
    {
        foreach (var (name, values) in headers)
        {
            if (!HttpSyntax.IsToken(name))
            {
                return "a header name is not a token";
            }

            foreach (var value in values)
            {
                if (value is not null && HttpSyntax.HasControl(value))
                {
                    return $"header '{Printable(name)}' has a control character";
                }
            }
        }

        return null;
    }

    private static HandshakeVerdict Bad(HandshakeKind kind, string problem) => new(kind, StatusCodes.Status400BadRequest, problem);

    // Problems are logged and sent back: a client's bytes are cut short and stripped of control characters first.
    private static string Printable(string? text)
    {
        var value = text ?? string.Empty;
        var cut = value.Length <= 40 ? value : value[..40] + "…";
        return string.Create(cut.Length, cut, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }

    private static bool HasToken(StringValues values, string token)
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
