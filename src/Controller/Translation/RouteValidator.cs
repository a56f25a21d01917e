using System.Text.RegularExpressions;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation;

/// <summary>
/// Validates a route the way the CRD schema would, so standalone files (which no API server checks) get the
/// same errors, each naming the field.
/// </summary>
internal static partial class RouteValidator
{
    public const string Kind = "WebSocketRoute";
    private static readonly TimeSpan MinKeepaliveInterval = TimeSpan.FromSeconds(1);

    /// <summary>Per-client handshake rate and burst ceiling: past it a limit protects nothing.</summary>
    public const int MaxHandshakeRate = 10_000;

    public static RouteIntent? Validate(WebSocketRoute route, RouteKey key, List<string> errors)
    {
        var spec = route.Spec ?? new WebSocketRouteSpec();
        var hosts = new List<string>();
        for (var i = 0; i < (spec.Hosts?.Count ?? 0); i++)
        {
            var host = spec.Hosts![i];
            if (host is null || !HostName().IsMatch(host))
            {
                errors.Add($"spec.hosts[{i}]: '{host}' is not a lower-case DNS name or *.wildcard");
            }
            else
            {
                hosts.Add(host);
            }
        }

        var path = spec.Path ?? "/";
        if (!path.StartsWith('/') || path.Contains("//", StringComparison.Ordinal) || path.Any(char.IsWhiteSpace) || path.Any(char.IsControl) || path.Contains('{'))
        {
            errors.Add($"spec.path: '{path}' must be an absolute path starting with '/'");
        }

        var pathType = ParseEnum(spec.PathType, PathMatchType.Prefix, "spec.pathType", errors);
        if (pathType == PathMatchType.Exact && path.Length > 1 && path.EndsWith('/'))
        {
            errors.Add($"spec.path: an Exact path must not end with '/' ('{path}')");
        }

        var serviceName = spec.Backend?.Service?.Name;
        if (string.IsNullOrEmpty(serviceName))
        {
            errors.Add("spec.backend.service.name: required");
        }
        else if (!DnsLabel().IsMatch(serviceName))
        {
            errors.Add($"spec.backend.service.name: '{serviceName}' is not a valid Service name");
        }

        var port = spec.Backend?.Service?.Port;
        if (port?.Value is null)
        {
            errors.Add("spec.backend.service.port: required (a port number or name)");
        }
        else if (int.TryParse(port.Value, out var number) ? number is < 1 or > 65535 : !DnsLabel().IsMatch(port.Value))
        {
            errors.Add($"spec.backend.service.port: '{port.Value}' is neither a port number (1-65535) nor a port name");
        }

        var settings = ValidateSettings(spec.Balancing, spec.Timeouts, spec.Limits, spec.AllowedOrigins, spec.Keepalive, errors);
        var secret = spec.Tls?.SecretName;
        if (spec.Tls is not null && (string.IsNullOrEmpty(secret) || !DnsSubdomain().IsMatch(secret)))
        {
            errors.Add($"spec.tls.secretName: '{secret}' is not a valid Secret name");
        }

        var ranges = new SourceRanges(
            SourceRangeParser.Parse(spec.SourceRanges?.Allow, "spec.sourceRanges.allow", errors),
            SourceRangeParser.Parse(spec.SourceRanges?.Deny, "spec.sourceRanges.deny", errors));
        if (spec.MaxRequestBodyBytes is < 1)
        {
            errors.Add($"spec.maxRequestBodyBytes: must be at least 1, was {spec.MaxRequestBodyBytes}");
        }

        if (errors.Count > 0)
        {
            return null;
        }

        return new RouteIntent
        {
            Id = key.ToString(),
            Origin = new RouteOrigin(Kind, key, route.Metadata.CreationTimestamp, route.Metadata.Generation),
            Hosts = hosts,
            Path = path,
            PathType = pathType,
            Backends = [new BackendTarget(key.Namespace, serviceName!, port!)],
            Settings = settings with
            {
                AllowPlainHttp = spec.AllowPlainHttp ?? true,
                SourceRanges = ranges,
                RedirectToHttps = spec.RedirectToHttps ?? false,
                MaxRequestBodyBytes = spec.MaxRequestBodyBytes,
            },
            Tls = secret is null ? null : new SecretRef(key.Namespace, secret),
        };
    }

    /// <summary>
    /// The settings blocks a WebSocketRoute and a WebSocketPolicy share (spec.balancing, timeouts, limits, keepalive,
    /// allowedOrigins), validated and defaulted the same way for both.
    /// </summary>
    public static RouteSettings ValidateSettings(BalancingSpec? balancingSpec, TimeoutsSpec? timeouts, LimitsSpec? limitsSpec, IList<string>? allowedOrigins,
        KeepaliveSpec? keepaliveSpec, List<string> errors)
    {
        var balancing = ValidateBalancing(balancingSpec, errors);
        var idle = ParseDuration(timeouts?.Idle, RouteSettings.DefaultIdleTimeout, "spec.timeouts.idle", errors);
        var connect = ParseDuration(timeouts?.Connect, RouteSettings.DefaultConnectTimeout, "spec.timeouts.connect", errors);
        if (connect == TimeSpan.Zero)
        {
            errors.Add("spec.timeouts.connect: must be greater than 0");
        }

        var handshake = ParseDuration(timeouts?.Handshake, RouteSettings.DefaultHandshakeTimeout, "spec.timeouts.handshake", errors);
        if (handshake == TimeSpan.Zero)
        {
            errors.Add("spec.timeouts.handshake: must be greater than 0");
        }

        var drain = ParseDuration(timeouts?.Drain, RouteSettings.DefaultDrainTimeout, "spec.timeouts.drain", errors);
        var limits = new ConnectionLimits(
            Positive(limitsSpec?.MaxConnectionsPerEndpoint, "spec.limits.maxConnectionsPerEndpoint", errors),
            Positive(limitsSpec?.MaxConnectionsPerRoute, "spec.limits.maxConnectionsPerRoute", errors))
        {
            MaxPerClient = Positive(limitsSpec?.MaxConnectionsPerClient, "spec.limits.maxConnectionsPerClient", errors),
            HandshakesPerSecondPerClient = AtMost(limitsSpec?.HandshakesPerSecondPerClient, MaxHandshakeRate, "spec.limits.handshakesPerSecondPerClient", errors),
            HandshakeBurstPerClient = AtMost(limitsSpec?.HandshakeBurstPerClient, MaxHandshakeRate, "spec.limits.handshakeBurstPerClient", errors),
        };
        if (limitsSpec?.HandshakeBurstPerClient is not null && limitsSpec.HandshakesPerSecondPerClient is null)
        {
            errors.Add("spec.limits.handshakeBurstPerClient: needs spec.limits.handshakesPerSecondPerClient");
        }

        var keepalive = ValidateKeepalive(keepaliveSpec, errors);
        var messageLimits = ValidateMessageLimits(limitsSpec, errors);
        var origins = allowedOrigins?.ToList() ?? [];
        for (var i = 0; i < origins.Count; i++)
        {
            if (!IsOrigin(origins[i]))
            {
                errors.Add($"spec.allowedOrigins[{i}]: '{origins[i]}' is not '*' or scheme://host[:port] (host may start with '*.')");
            }
        }

        return new RouteSettings
        {
            Balancing = balancing ?? BalancingSettings.Default,
            IdleTimeout = idle == TimeSpan.Zero ? null : idle,
            ConnectTimeout = connect,
            HandshakeTimeout = handshake,
            DrainTimeout = drain,
            Limits = limits,
            AllowedOrigins = origins,
            Keepalive = keepalive,
            MessageLimits = messageLimits,
        };
    }

    private static KeepaliveSettings ValidateKeepalive(KeepaliveSpec? spec, List<string> errors)
    {
        var defaults = KeepaliveSettings.Default;
        var interval = ParseDuration(ShortText(spec?.Interval, "spec.keepalive.interval", errors), defaults.Interval, "spec.keepalive.interval", errors);
        var timeout = ParseDuration(ShortText(spec?.Timeout, "spec.keepalive.timeout", errors), defaults.Timeout, "spec.keepalive.timeout", errors);
        if (interval == TimeSpan.Zero)
        {
            return KeepaliveSettings.Off;
        }

        if (interval < MinKeepaliveInterval)
        {
            errors.Add($"spec.keepalive.interval: must be 0 (off) or at least 1s, was '{spec?.Interval}'");
        }

        if (timeout == TimeSpan.Zero)
        {
            errors.Add("spec.keepalive.timeout: must be greater than 0 when spec.keepalive.interval is not 0");
        }

        return new KeepaliveSettings(interval, timeout, spec?.CountsAsActivity ?? false);
    }

    /// <summary>The CRD caps these at 64 characters (so its CEL rules stay cheap); files get the same error.</summary>
    private static string? ShortText(string? text, string field, List<string> errors)
    {
        if (text is { Length: > 64 })
        {
            errors.Add($"{field}: longer than 64 characters");
            return null;
        }

        return text;
    }

    private static MessageLimits ValidateMessageLimits(LimitsSpec? spec, List<string> errors)
    {
        var frame = Positive(spec?.MaxFrameBytes, "spec.limits.maxFrameBytes", errors);
        var message = Positive(spec?.MaxMessageBytes, "spec.limits.maxMessageBytes", errors) ?? RouteSettings.DefaultMaxMessageBytes;
        if (frame > message)
        {
            errors.Add($"spec.limits.maxFrameBytes: {frame} must not exceed spec.limits.maxMessageBytes ({message})");
        }

        return new MessageLimits(frame, message);
    }

    public static bool IsOrigin(string? origin) => origin is not null && (origin == "*" || Origin().IsMatch(origin));

    public static bool IsHost(string? host) => host is not null && HostName().IsMatch(host);

    public static bool IsDnsLabel(string? name) => name is not null && DnsLabel().IsMatch(name);

    public static bool IsDnsSubdomain(string? name) => name is not null && DnsSubdomain().IsMatch(name);

    private static BalancingSettings? ValidateBalancing(BalancingSpec? spec, List<string> errors)
    {
        var policy = ParseEnum(spec?.Policy, BalancingPolicy.LeastConnections, "spec.balancing.policy", errors);
        var common = new BalancingSettings(policy)
        {
            SlowStart = ParseDuration(spec?.SlowStart, TimeSpan.Zero, "spec.balancing.slowStart", errors),
            BoundedLoadPercent = spec?.BoundedLoadPercent is null ? null : InRange(spec.BoundedLoadPercent, 0, 100, 1000, "spec.balancing.boundedLoadPercent", errors),
            Rebalance = ValidateRebalance(spec?.Rebalance, errors),
        };
        var key = spec?.HashKey;
        if (policy != BalancingPolicy.ConsistentHash)
        {
            return common;
        }

        if (key is null)
        {
            errors.Add("spec.balancing.hashKey: required when policy is ConsistentHash");
            return null;
        }

        var source = ParseEnum(key.Source, HashKeySource.Header, "spec.balancing.hashKey.source", errors);
        if (string.IsNullOrWhiteSpace(key.Name))
        {
            errors.Add("spec.balancing.hashKey.name: required");
            return null;
        }

        return common with { HashKey = new HashKey(source, key.Name) };
    }

    private static RebalanceSettings? ValidateRebalance(RebalanceSpec? spec, List<string> errors)
    {
        var defaults = RebalanceSettings.Default;
        var settings = new RebalanceSettings(
            InRange(spec?.ThresholdPercent, defaults.ThresholdPercent, 101, 1000, "spec.balancing.rebalance.thresholdPercent", errors),
            InRange(spec?.MaxClosesPercent, defaults.MaxClosesPercent, 1, 100, "spec.balancing.rebalance.maxClosesPercent", errors),
            ParseDuration(spec?.Interval, defaults.Interval, "spec.balancing.rebalance.interval", errors));
        if (settings.Interval == TimeSpan.Zero)
        {
            errors.Add("spec.balancing.rebalance.interval: must be greater than 0");
        }

        return spec?.Enabled == true ? settings : null;
    }

    private static int InRange(int? value, int fallback, int min, int max, string field, List<string> errors)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value < min || value > max)
        {
            errors.Add($"{field}: {value} is outside {min}-{max}");
        }

        return value.Value;
    }

    private static T? Positive<T>(T? value, string field, List<string> errors)
        where T : struct, System.Numerics.INumber<T>
    {
        if (value < T.One)
        {
            errors.Add($"{field}: must be at least 1, was {value}");
        }

        return value;
    }

    private static int? AtMost(int? value, int max, string field, List<string> errors)
    {
        if (value is > 0 && value > max)
        {
            errors.Add($"{field}: must be at most {max}, was {value}");
        }

        return Positive(value, field, errors);
    }

    private static T ParseEnum<T>(string? text, T fallback, string field, List<string> errors)
        where T : struct, Enum
    {
        if (text is null)
        {
            return fallback;
        }

        // Exact, case-sensitive names only: "exact" would be rejected by the API server's enum, so reject it here too.
        if (Enum.TryParse<T>(text, ignoreCase: false, out var value) && Enum.IsDefined(value) && !char.IsDigit(text[0]))
        {
            return value;
        }

        errors.Add($"{field}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
        return fallback;
    }

    private static TimeSpan ParseDuration(string? text, TimeSpan fallback, string field, List<string> errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (Duration.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add($"{field}: '{text}' is not a duration such as 30s, 5m, 1h or 0");
        return fallback;
    }

    [GeneratedRegex("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    internal static partial Regex HostName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    internal static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    internal static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z][a-z0-9+.-]*://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")]
    private static partial Regex Origin();
}
