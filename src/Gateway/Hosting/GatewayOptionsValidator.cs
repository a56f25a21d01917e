using Microsoft.Extensions.Options;
using Sockway.Gateway.Forwarded;

namespace Sockway.Gateway.Hosting;

/// <summary>Refuses malformed data-plane settings at start, naming the key (and the flag) and the entry at fault.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private const string TrustedProxiesKey = GatewayOptions.Section + ":" + nameof(GatewayOptions.TrustedProxies);
    private const string ProxyProtocolKey = GatewayOptions.Section + ":" + nameof(GatewayOptions.ProxyProtocol);
    private const string Key = GatewayOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (!TrustedProxies.TryParse(options.TrustedProxies, out _, out var error))
        {
            errors.Add($"'{TrustedProxiesKey}' (--trusted-proxies): {error}");
        }

        if (!TrustedProxies.TryParse(options.ProxyProtocol, out _, out error))
        {
            errors.Add($"'{ProxyProtocolKey}' (--proxy-protocol): {error}");
        }

        if (options.ProxyProtocolTimeout <= TimeSpan.Zero || options.ProxyProtocolTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"'{Key}{nameof(GatewayOptions.ProxyProtocolTimeout)}': {options.ProxyProtocolTimeout} must be more than 0 and at most 5 minutes");
        }

        if (options.ClientLimitTableSize is < 1024 or > 16_777_216)
        {
            errors.Add($"'{Key}{nameof(GatewayOptions.ClientLimitTableSize)}': {options.ClientLimitTableSize} must be between 1024 and 16777216");
        }

        if (options.ClientIPv6PrefixLength is < 32 or > 128)
        {
            errors.Add($"'{Key}{nameof(GatewayOptions.ClientIPv6PrefixLength)}': {options.ClientIPv6PrefixLength} must be between 32 and 128");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static TrustedProxies TrustedProxiesOf(GatewayOptions options) => Parse(options.TrustedProxies, TrustedProxiesKey);

    /// <summary>The sources a PROXY protocol header is taken from; <see cref="TrustedProxies.IsEmpty"/> means off.</summary>
    public static TrustedProxies ProxyProtocolSourcesOf(GatewayOptions options) => Parse(options.ProxyProtocol, ProxyProtocolKey);

    private static TrustedProxies Parse(string? text, string key) =>
        TrustedProxies.TryParse(text, out var proxies, out var error)
            ? proxies
            : throw new OptionsValidationException(key, typeof(GatewayOptions), [$"'{key}': {error}"]);
}
