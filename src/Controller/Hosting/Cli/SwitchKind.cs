using System.Globalization;
using System.Net;

namespace Sockway.Controller.Hosting.Cli;

/// <summary>What a switch's value must look like; each kind checks a value and says what is wrong with it.</summary>
public sealed record SwitchKind(string ValueName, Func<string, string?> Check)
{
    public static SwitchKind Text { get; } = new("value", v => v.Length == 0 ? "must not be empty" : null);

    public static SwitchKind Path { get; } = new("path", v => v.Length == 0 || v.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0 ? "is not a path" : null);

    public static SwitchKind Port { get; } = new("port", v =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? null : "is not a port number (0-65535)");

    public static SwitchKind Address { get; } = new("ip", v => IPAddress.TryParse(v, out _) ? null : "is not an IP address");

    public static SwitchKind Url { get; } = new("url", v =>
        Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? null : "is not an http(s) URL");

    public static SwitchKind Cidrs { get; } = new("cidrs", v =>
        Sockway.Gateway.Forwarded.TrustedProxies.TryParse(v, out _, out var error) ? null : error);

    public static SwitchKind PositiveNumber { get; } = new("number", v =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0 && double.IsFinite(number) ? null : "is not a positive number");

    public static SwitchKind PositiveInteger { get; } = new("count", v =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 ? null : "is not a whole number above 0");

    /// <summary>A flag: alone it means true; "true"/"false" may follow.</summary>
    public static SwitchKind Flag { get; } = new("bool", v => bool.TryParse(v, out _) ? null : "is not true or false");

    public static SwitchKind OneOf(string valueName, params string[] choices) => new(valueName, v =>
        choices.Contains(v, StringComparer.OrdinalIgnoreCase) ? null : $"is not one of {string.Join(", ", choices)}");
}
