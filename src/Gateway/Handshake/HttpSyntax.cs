using System.Buffers;

namespace Sockway.Gateway.Handshake;

/// <summary>
/// The two character classes a header is checked against, both ways through the gateway: vectorised span searches,
/// since every header of every handshake goes through them.
/// </summary>
internal static class HttpSyntax
{
    // RFC 9110 §5.6.2 tchar.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // Controls but horizontal tab, and DEL: what a field value must not carry.
    private static readonly SearchValues<char> ValueControls = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000a\u000b\u000c\u000d\u000e\u000f"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f");

    /// <summary>True for a non-empty token.</summary>
    public static bool IsToken(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExcept(TokenChars);

    public static bool HasControl(ReadOnlySpan<char> value) => value.ContainsAny(ValueControls);
}
