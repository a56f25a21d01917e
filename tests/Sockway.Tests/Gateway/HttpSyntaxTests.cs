using Sockway.Gateway.Handshake;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>The vectorised character classes agree with RFC 9110's definitions, character by character.</summary>
public sealed class HttpSyntaxTests
{
    private const string Delimiters = "!#$%&'*+-.^_`|~";

    [Fact]
    public void Every_character_below_U_0400_is_classified_as_the_rfc_says()
    {
        for (var c = '\0'; c < '\u0400'; c++)
        {
            var text = c.ToString();
            Assert.True(ReferenceIsToken(text) == HttpSyntax.IsToken(text), $"token: U+{(int)c:X4}");
            Assert.True(ReferenceHasControl(text) == HttpSyntax.HasControl(text), $"control: U+{(int)c:X4}");
        }
    }

    [Fact]
    public void Random_strings_are_classified_as_the_rfc_says()
    {
        var random = new Random(20261202);
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var j = 0; j < chars.Length; j++)
            {
                // Mostly token characters, so that long valid tokens with one stray character are common.
                chars[j] = random.Next(4) == 0 ? (char)random.Next(0, 0x180) : "aZ09-_.~!"[random.Next(9)];
            }

            var text = new string(chars);
            Assert.True(ReferenceIsToken(text) == HttpSyntax.IsToken(text), $"token: {Escape(text)}");
            Assert.True(ReferenceHasControl(text) == HttpSyntax.HasControl(text), $"control: {Escape(text)}");
        }
    }

    private static bool ReferenceIsToken(string text) => text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || Delimiters.Contains(c));

    private static bool ReferenceHasControl(string text) => text.Any(c => (c < ' ' && c != '\t') || c == '\u007f');

    private static string Escape(string text) => string.Concat(text.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:X4}"));
}
