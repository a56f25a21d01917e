using System.Globalization;
using System.Net;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation.Ingresses;

/// <summary>
/// Reads an Ingress's annotations into route settings: the ingress-nginx ones WebSocket users set, mapped to Sockway's
/// semantics, and Sockway's own <c>sockway.io/*</c> options (which win over an nginx annotation for the same setting).
/// Values are hostile input: a bad one is an error naming the annotation; an nginx annotation Sockway does not
/// implement is a note (reported, never silently ignored).
/// </summary>
internal static class IngressAnnotations
{
    public const string Nginx = "nginx.ingress.kubernetes.io/";
    public const string Sockway = "sockway.io/";

    /// <summary>Bounds an annotation's timeout can take: nginx takes seconds; a day is far beyond any sane value.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <returns>The settings; <see cref="RouteSettings.RedirectToHttps"/> there means "redirect where the route has TLS".</returns>
    public static RouteSettings Read(IDictionary<string, string>? annotations, List<string> errors, List<AnnotationNote> notes)
    {
        var a = annotations ?? new Dictionary<string, string>();
        var settings = new RouteSettings();
        foreach (var name in a.Keys.Where(k => k is not null && k.StartsWith(Nginx, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (!NginxKnown.Contains(name[Nginx.Length..]))
            {
                notes.Add(new AnnotationNote(name, AnnotationDisposition.Dropped, "not implemented by Sockway; it has no effect"));
            }
        }

        foreach (var name in a.Keys.Where(k => k is not null && k.StartsWith(Sockway, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (!SockwayKnown.Contains(name[Sockway.Length..]))
            {
                errors.Add($"{name}: unknown Sockway annotation (known: {string.Join(", ", SockwayKnown.Order(StringComparer.Ordinal).Select(k => Sockway + k))})");
            }
        }

        settings = Timeouts(a, settings, errors, notes);
        settings = settings with { Balancing = Balancing(a, errors, notes) };
        settings = Access(a, settings, errors, notes);
        settings = Native(a, settings, errors, notes);
        if (Get(a, "websocket-services") is not null)
        {
            notes.Add(new AnnotationNote(Nginx + "websocket-services", AnnotationDisposition.Mapped, "legacy no-op: Sockway proxies WebSockets on every route"));
        }

        return settings;
    }

    private static readonly HashSet<string> NginxKnown = new(StringComparer.Ordinal)
    {
        "proxy-read-timeout", "proxy-send-timeout", "proxy-connect-timeout", "upstream-hash-by", "affinity", "session-cookie-name",
        "load-balance", "whitelist-source-range", "allowlist-source-range", "denylist-source-range", "ssl-redirect", "proxy-body-size",
        "websocket-services",
    };

    internal static readonly IReadOnlySet<string> SockwayKnown = new HashSet<string>(StringComparer.Ordinal)
    {
        "balancing-policy", "hash-key", "bounded-load-percent", "slow-start", "idle-timeout", "connect-timeout", "handshake-timeout",
        "drain-timeout", "max-connections-per-endpoint", "max-connections-per-route", "allowed-origins", "allow-plain-http",
    };

    private static RouteSettings Timeouts(IDictionary<string, string> a, RouteSettings settings, List<string> errors, List<AnnotationNote> notes)
    {
        var read = Seconds(a, Nginx + "proxy-read-timeout", errors);
        var send = Seconds(a, Nginx + "proxy-send-timeout", errors);
        if (read is not null || send is not null)
        {
            var idle = new[] { read, send }.Max()!.Value;
            settings = settings with { IdleTimeout = idle };
            const string differs = "Sockway has one idle timeout for both directions: a tunnel closes after {0} with no frame either way " +
                "(nginx timed each direction on its own)";
            foreach (var (value, name) in new[] { (read, "proxy-read-timeout"), (send, "proxy-send-timeout") })
            {
                if (value is not null)
                {
                    notes.Add(new AnnotationNote(Nginx + name, AnnotationDisposition.Approximated, string.Format(CultureInfo.InvariantCulture, differs, Show(idle))));
                }
            }
        }

        if (Seconds(a, Nginx + "proxy-connect-timeout", errors) is { } connect)
        {
            settings = settings with { ConnectTimeout = connect };
            notes.Add(new AnnotationNote(Nginx + "proxy-connect-timeout", AnnotationDisposition.Mapped, $"connect timeout {Show(connect)}"));
        }

        return settings;
    }

    private static BalancingSettings Balancing(IDictionary<string, string> a, List<string> errors, List<AnnotationNote> notes)
    {
        var balancing = BalancingSettings.Default;
        if (Get(a, "load-balance") is { } policy)
        {
            switch (policy.Trim())
            {
                case "round_robin":
                    balancing = new BalancingSettings(BalancingPolicy.RoundRobin);
                    notes.Add(new AnnotationNote(Nginx + "load-balance", AnnotationDisposition.Mapped, "RoundRobin"));
                    break;
                case "ewma":
                    balancing = new BalancingSettings(BalancingPolicy.PowerOfTwoLeastConnections);
                    notes.Add(new AnnotationNote(Nginx + "load-balance", AnnotationDisposition.Approximated,
                        "PowerOfTwoLeastConnections, the nearest policy: it weighs open tunnels, not response-time averages"));
                    break;
                default:
                    errors.Add($"{Nginx}load-balance: '{Clip(policy)}' is not round_robin or ewma");
                    break;
            }
        }

        if (Get(a, "upstream-hash-by") is { } by)
        {
            if (HashKeyOf(by.Trim()) is { } key)
            {
                balancing = new BalancingSettings(BalancingPolicy.ConsistentHash, key);
                notes.Add(new AnnotationNote(Nginx + "upstream-hash-by", AnnotationDisposition.Mapped, $"ConsistentHash on {key.Source} {key.Name}"));
            }
            else
            {
                errors.Add($"{Nginx}upstream-hash-by: '{Clip(by)}' is not one of $http_NAME, $cookie_NAME, $arg_NAME, header:NAME, cookie:NAME, query:NAME " +
                    "(Sockway hashes on one header, cookie or query parameter)");
            }
        }

        if (Get(a, "affinity") is { } affinity)
        {
            if (affinity.Trim() != "cookie")
            {
                errors.Add($"{Nginx}affinity: '{Clip(affinity)}' is not 'cookie' (the only affinity ingress-nginx has)");
            }
            else if (Get(a, "upstream-hash-by") is not null)
            {
                errors.Add($"{Nginx}affinity: cannot be combined with {Nginx}upstream-hash-by (one hash key per route)");
            }
            else
            {
                var cookie = Get(a, "session-cookie-name")?.Trim() ?? "INGRESSCOOKIE";
                if (!IsToken(cookie))
                {
                    errors.Add($"{Nginx}session-cookie-name: '{Clip(cookie)}' is not a cookie name");
                }

                balancing = new BalancingSettings(BalancingPolicy.ConsistentHash, new HashKey(HashKeySource.Cookie, cookie));
                if (Get(a, "session-cookie-name") is not null)
                {
                    notes.Add(new AnnotationNote(Nginx + "session-cookie-name", AnnotationDisposition.Mapped, "the cookie the hash is taken on"));
                }

                notes.Add(new AnnotationNote(Nginx + "affinity", AnnotationDisposition.Approximated,
                    $"ConsistentHash on cookie {cookie}: the same cookie value always reaches the same backend, but Sockway does not issue the cookie " +
                    "(the application sets it; a client without it is balanced by hash of nothing, to one endpoint)"));
            }
        }
        else if (Get(a, "session-cookie-name") is not null)
        {
            notes.Add(new AnnotationNote(Nginx + "session-cookie-name", AnnotationDisposition.Dropped, $"has no effect without {Nginx}affinity: cookie"));
        }

        return balancing;
    }

    private static RouteSettings Access(IDictionary<string, string> a, RouteSettings settings, List<string> errors, List<AnnotationNote> notes)
    {
        var allowedName = Get(a, "whitelist-source-range") is not null ? "whitelist-source-range" : "allowlist-source-range";
        var allowed = Ranges(a, allowedName, errors, notes);
        var denied = Ranges(a, "denylist-source-range", errors, notes);
        settings = settings with { SourceRanges = new SourceRanges(allowed ?? [], denied ?? []) };

        var redirect = true;
        if (Get(a, "ssl-redirect") is { } sslRedirect)
        {
            if (!bool.TryParse(sslRedirect.Trim(), out redirect))
            {
                errors.Add($"{Nginx}ssl-redirect: '{Clip(sslRedirect)}' is not true or false");
            }
            else
            {
                notes.Add(new AnnotationNote(Nginx + "ssl-redirect", AnnotationDisposition.Mapped,
                    redirect ? "plain http:// requests to hosts with TLS get 308 to https://" : "plain http:// is served on hosts with TLS too"));
            }
        }

        settings = settings with { RedirectToHttps = redirect };
        if (Get(a, "proxy-body-size") is { } size)
        {
            if (Size(size.Trim()) is { } bytes)
            {
                settings = settings with { MaxRequestBodyBytes = bytes == 0 ? null : bytes };
                notes.Add(new AnnotationNote(Nginx + "proxy-body-size", AnnotationDisposition.Mapped,
                    bytes == 0 ? "no request-body limit" : $"plain HTTP request bodies over {bytes} bytes get 413 (WebSocket frames are not bodies; spec.limits caps tunnels)"));
            }
            else
            {
                errors.Add($"{Nginx}proxy-body-size: '{Clip(size)}' is not a size such as 8m, 512k, 1g or 0");
            }
        }

        return settings;
    }

    private static RouteSettings Native(IDictionary<string, string> a, RouteSettings settings, List<string> errors, List<AnnotationNote> notes)
    {
        string? S(string name) => a.TryGetValue(Sockway + name, out var v) ? v : null;
        var balancing = settings.Balancing;
        if (S("balancing-policy") is { } policy)
        {
            if (Enum.TryParse<BalancingPolicy>(policy, ignoreCase: false, out var p) && Enum.IsDefined(p) && !char.IsDigit(policy.FirstOrDefault()))
            {
                balancing = new BalancingSettings(p, p == BalancingPolicy.ConsistentHash ? balancing.HashKey : null);
            }
            else
            {
                errors.Add($"{Sockway}balancing-policy: '{Clip(policy)}' is not one of {string.Join(", ", Enum.GetNames<BalancingPolicy>())}");
            }
        }

        if (S("hash-key") is { } hashKey)
        {
            if (HashKeyOf(hashKey.Trim()) is { } key)
            {
                balancing = new BalancingSettings(BalancingPolicy.ConsistentHash, key);
            }
            else
            {
                errors.Add($"{Sockway}hash-key: '{Clip(hashKey)}' is not header:NAME, cookie:NAME or query:NAME");
            }
        }

        if (balancing.Policy == BalancingPolicy.ConsistentHash && balancing.HashKey is null)
        {
            errors.Add($"{Sockway}balancing-policy: ConsistentHash needs {Sockway}hash-key (or {Nginx}upstream-hash-by)");
        }

        if (S("bounded-load-percent") is { } bound)
        {
            balancing = balancing with { BoundedLoadPercent = Int(bound, 100, 1000, Sockway + "bounded-load-percent", errors) };
        }

        if (S("slow-start") is { } slow)
        {
            balancing = balancing with { SlowStart = Dur(slow, Sockway + "slow-start", errors, allowZero: true) ?? TimeSpan.Zero };
        }

        settings = settings with { Balancing = balancing };
        if (S("idle-timeout") is { } idle)
        {
            var value = Dur(idle, Sockway + "idle-timeout", errors, allowZero: true);
            settings = settings with { IdleTimeout = value == TimeSpan.Zero ? null : value ?? settings.IdleTimeout };
        }

        if (S("connect-timeout") is { } connect)
        {
            settings = settings with { ConnectTimeout = Dur(connect, Sockway + "connect-timeout", errors, allowZero: false) ?? settings.ConnectTimeout };
        }

        if (S("handshake-timeout") is { } handshake)
        {
            settings = settings with { HandshakeTimeout = Dur(handshake, Sockway + "handshake-timeout", errors, allowZero: false) ?? settings.HandshakeTimeout };
        }

        if (S("drain-timeout") is { } drain)
        {
            settings = settings with { DrainTimeout = Dur(drain, Sockway + "drain-timeout", errors, allowZero: true) ?? settings.DrainTimeout };
        }

        var perEndpoint = S("max-connections-per-endpoint") is { } e ? Int(e, 1, int.MaxValue, Sockway + "max-connections-per-endpoint", errors) : (int?)null;
        var perRoute = S("max-connections-per-route") is { } r ? Int(r, 1, int.MaxValue, Sockway + "max-connections-per-route", errors) : (int?)null;
        settings = settings with { Limits = new ConnectionLimits(perEndpoint, perRoute) };
        if (S("allowed-origins") is { } origins)
        {
            var list = origins.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            foreach (var origin in list.Where(o => !RouteValidator.IsOrigin(o)))
            {
                errors.Add($"{Sockway}allowed-origins: '{Clip(origin)}' is not '*' or scheme://host[:port] (host may start with '*.')");
            }

            settings = settings with { AllowedOrigins = list };
        }

        if (S("allow-plain-http") is { } plain)
        {
            if (bool.TryParse(plain.Trim(), out var allow))
            {
                settings = settings with { AllowPlainHttp = allow };
            }
            else
            {
                errors.Add($"{Sockway}allow-plain-http: '{Clip(plain)}' is not true or false");
            }
        }

        return settings;
    }

    /// <summary>nginx's variable forms and Sockway's explicit ones; null for anything else ($request_uri, "$host$uri"...).</summary>
    internal static HashKey? HashKeyOf(string value)
    {
        (HashKeySource Source, string Name)? parsed = value switch
        {
            _ when value.StartsWith("$http_", StringComparison.Ordinal) => (HashKeySource.Header, value[6..].Replace('_', '-')),
            _ when value.StartsWith("$cookie_", StringComparison.Ordinal) => (HashKeySource.Cookie, value[8..]),
            _ when value.StartsWith("$arg_", StringComparison.Ordinal) => (HashKeySource.Query, value[5..]),
            _ when value.StartsWith("header:", StringComparison.Ordinal) => (HashKeySource.Header, value[7..]),
            _ when value.StartsWith("cookie:", StringComparison.Ordinal) => (HashKeySource.Cookie, value[7..]),
            _ when value.StartsWith("query:", StringComparison.Ordinal) => (HashKeySource.Query, value[6..]),
            _ => null,
        };
        return parsed is { } p && IsToken(p.Name) ? new HashKey(p.Source, p.Source == HashKeySource.Header ? p.Name.ToLowerInvariant() : p.Name) : null;
    }

    private static IReadOnlyList<IPNetwork>? Ranges(IDictionary<string, string> a, string name, List<string> errors, List<AnnotationNote> notes)
    {
        if (Get(a, name) is not { } text)
        {
            return null;
        }

        var before = errors.Count;
        var ranges = SourceRangeParser.Parse(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), Nginx + name, errors);
        if (ranges.Count == 0 && errors.Count == before)
        {
            errors.Add($"{Nginx}{name}: empty; list at least one CIDR range (an empty list would allow everyone)");
        }

        notes.Add(new AnnotationNote(Nginx + name, AnnotationDisposition.Mapped,
            name.StartsWith("deny", StringComparison.Ordinal) ? "clients from these ranges get 403" : "clients outside these ranges get 403"));
        return ranges;
    }

    private static TimeSpan? Seconds(IDictionary<string, string> a, string name, List<string> errors)
    {
        if (!a.TryGetValue(name, out var text))
        {
            return null;
        }

        // nginx takes whole seconds ("3600"); a duration with a unit ("1h") is accepted too.
        var trimmed = text?.Trim() ?? string.Empty;
        TimeSpan value;
        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxTimeout.TotalSeconds)
        {
            value = TimeSpan.FromSeconds(seconds);
        }
        else if (!Duration.TryParse(trimmed, out value) || value > MaxTimeout)
        {
            errors.Add($"{name}: '{Clip(text)}' is not a number of seconds (such as 3600) up to {MaxTimeout.TotalSeconds}");
            return null;
        }

        if (value == TimeSpan.Zero)
        {
            errors.Add($"{name}: must be greater than 0");
            return null;
        }

        return value;
    }

    private static TimeSpan? Dur(string text, string name, List<string> errors, bool allowZero)
    {
        if (!Duration.TryParse(text.Trim(), out var value))
        {
            errors.Add($"{name}: '{Clip(text)}' is not a duration such as 30s, 5m, 1h or 0");
            return null;
        }

        if (!allowZero && value == TimeSpan.Zero)
        {
            errors.Add($"{name}: must be greater than 0");
            return null;
        }

        return value;
    }

    private static int? Int(string text, int min, int max, string name, List<string> errors)
    {
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{name}: '{Clip(text)}' is not a whole number from {min} to {max}");
        return null;
    }

    /// <summary>nginx sizes: bytes, or k/m/g (either case); 0 is no limit.</summary>
    internal static long? Size(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        var factor = unit switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L };
        var digits = factor == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= long.MaxValue / factor / 2 ? n * factor : null;
    }

    private static string? Get(IDictionary<string, string> a, string name) => a.TryGetValue(Nginx + name, out var v) ? v ?? string.Empty : null;

    private static bool IsToken(string name) => name.Length is > 0 and <= 256 && name.All(c => c is > ' ' and < (char)127 && !"()<>@,;:\\\"/[]?={}".Contains(c));

    private static string Show(TimeSpan t) => t.TotalSeconds % 1 == 0 ? $"{t.TotalSeconds:0}s" : t.ToString();

    internal static string Clip(string? value) => value is null ? "(null)" : value.Length > 64 ? value[..64] + "…" : value.ReplaceLineEndings(" ");
}
