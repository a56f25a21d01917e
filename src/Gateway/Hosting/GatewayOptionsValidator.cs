using Microsoft.Extensions.Options;
using Sockway.Gateway.Forwarded;

namespace Sockway.Gateway.Hosting;

/// <summary>Refuses a malformed trusted-proxies list at start, naming the key and the entry at fault.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private const string TrustedProxiesKey = GatewayOptions.Section + ":" + nameof(GatewayOptions.TrustedProxies);

    public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
        TrustedProxies.TryParse(options.TrustedProxies, out _, out var error)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"'{TrustedProxiesKey}' (--trusted-proxies): {error}");

    public static TrustedProxies TrustedProxiesOf(GatewayOptions options) =>
        TrustedProxies.TryParse(options.TrustedProxies, out var proxies, out var error)
            ? proxies
            : throw new OptionsValidationException(TrustedProxiesKey, typeof(GatewayOptions), [$"'{TrustedProxiesKey}': {error}"]);
}
