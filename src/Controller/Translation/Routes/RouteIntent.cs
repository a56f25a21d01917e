using k8s.Models;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation.Routes;

/// <summary>
/// One route as a front-end (WebSocketRoute, Ingress, HTTPRoute...) asks for it, already validated and defaulted, with
/// its backends still named (Service + port) rather than resolved. Every front-end produces these; the translator core
/// resolves, de-conflicts and turns them into the gateway's config, so it knows nothing of the kind they came from.
/// </summary>
public sealed record RouteIntent
{
    /// <summary>Unique across all front-ends; becomes the gateway route id (metrics, registry, drain).</summary>
    public required string Id { get; init; }

    public required RouteOrigin Origin { get; init; }

    /// <summary>Host names to match; empty matches any host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public required string Path { get; init; }

    public PathMatchType PathType { get; init; } = PathMatchType.Prefix;

    /// <summary>Exact header matches that must all hold (Gateway API); none for the other front-ends.</summary>
    public IReadOnlyList<HeaderMatch> Headers { get; init; } = [];

    public required IReadOnlyList<BackendTarget> Backends { get; init; }

    public RouteSettings Settings { get; init; } = RouteSettings.Default;

    /// <summary>The Secret holding this route's server certificate, if it terminates TLS.</summary>
    public SecretRef? Tls { get; init; }
}

/// <summary>The object a route came from: its kind decides how its status is written; its age decides conflicts.</summary>
public sealed record RouteOrigin(string Kind, RouteKey Key, DateTime? CreatedAt, long? Generation)
{
    public override string ToString() => $"{Kind} {Key}";
}

/// <summary>A Service port a route sends to. Namespace is explicit: some front-ends may refer across namespaces.</summary>
public sealed record BackendTarget(string Namespace, string ServiceName, IntOrString Port, int Weight = 1)
{
    public override string ToString() => $"Service {Namespace}/{ServiceName}";
}

public readonly record struct SecretRef(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>Per-route behaviour every front-end can express (some only through annotations or a policy).</summary>
public sealed record RouteSettings
{
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    public const long DefaultMaxMessageBytes = 64L * 1024 * 1024;

    public static RouteSettings Default { get; } = new();

    public BalancingSettings Balancing { get; init; } = BalancingSettings.Default;

    /// <summary>Null means no idle timeout.</summary>
    public TimeSpan? IdleTimeout { get; init; } = DefaultIdleTimeout;

    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    public ConnectionLimits Limits { get; init; } = ConnectionLimits.None;

    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    public bool AllowPlainHttp { get; init; } = true;

    public KeepaliveSettings Keepalive { get; init; } = KeepaliveSettings.Default;

    /// <summary>Every front-end gets the same safe cap on a message unless it sets one.</summary>
    public MessageLimits MessageLimits { get; init; } = new(null, DefaultMaxMessageBytes);

    /// <summary>Client address ranges allowed and denied (Ingress: nginx's whitelist/denylist-source-range).</summary>
    public SourceRanges SourceRanges { get; init; } = SourceRanges.Any;

    /// <summary>Plain http:// requests get 308 to https:// (Ingress: nginx's ssl-redirect, on by default with TLS).</summary>
    public bool RedirectToHttps { get; init; }

    /// <summary>Plain HTTP request bodies over this many bytes get 413; null is Kestrel's default (Ingress: proxy-body-size).</summary>
    public long? MaxRequestBodyBytes { get; init; }
}
