using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation;
using Sockway.Controller.Translation.Ingresses;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Conversion;

/// <summary>One WebSocketRoute per Ingress path, carrying every setting the annotations gave it.</summary>
internal static class WebSocketRouteWriter
{
    public static IReadOnlyList<string> Write(V1Ingress ingress, IReadOnlyList<RouteIntent> intents, List<AnnotationNote> notes)
    {
        var documents = new List<string>();
        foreach (var intent in intents)
        {
            var route = new WebSocketRoute
            {
                Metadata = new V1ObjectMeta { Name = IngressConverter.NameOf(ingress, intent, intents.Count), NamespaceProperty = intent.Origin.Key.Namespace },
                Spec = Spec(intent),
            };
            documents.Add(KubernetesYaml.Serialize(route).TrimEnd() + "\n");
        }

        return documents;
    }

    internal static WebSocketRouteSpec Spec(RouteIntent intent)
    {
        var backend = intent.Backends[0];
        var settings = intent.Settings;
        return new WebSocketRouteSpec
        {
            Hosts = intent.Hosts.Count == 0 ? null : intent.Hosts.ToList(),
            Path = intent.Path,
            PathType = intent.PathType == PathMatchType.Prefix ? null : intent.PathType.ToString(),
            Backend = new BackendRef { Service = new ServiceBackendRef { Name = backend.ServiceName, Port = backend.Port } },
            Balancing = Balancing(settings.Balancing),
            Timeouts = Timeouts(settings),
            Limits = settings.Limits == ConnectionLimits.None ? null : new LimitsSpec { MaxConnectionsPerEndpoint = settings.Limits.MaxPerEndpoint, MaxConnectionsPerRoute = settings.Limits.MaxPerRoute },
            AllowedOrigins = settings.AllowedOrigins.Count == 0 ? null : settings.AllowedOrigins.ToList(),
            Tls = intent.Tls is { } tls ? new TlsSpec { SecretName = tls.Name } : null,
            AllowPlainHttp = settings.AllowPlainHttp ? null : false,
            SourceRanges = settings.SourceRanges.IsAny ? null : new SourceRangesSpec
            {
                Allow = settings.SourceRanges.Allowed.Count == 0 ? null : settings.SourceRanges.Allowed.Select(n => n.ToString()).ToList(),
                Deny = settings.SourceRanges.Denied.Count == 0 ? null : settings.SourceRanges.Denied.Select(n => n.ToString()).ToList(),
            },
            RedirectToHttps = settings.RedirectToHttps ? true : null,
            MaxRequestBodyBytes = settings.MaxRequestBodyBytes,
        };
    }

    internal static BalancingSpec? Balancing(BalancingSettings balancing) => balancing == BalancingSettings.Default ? null : new BalancingSpec
    {
        Policy = balancing.Policy.ToString(),
        HashKey = balancing.HashKey is { } key ? new HashKeySpec { Source = key.Source.ToString(), Name = key.Name } : null,
        BoundedLoadPercent = balancing.BoundedLoadPercent,
        SlowStart = balancing.SlowStart == TimeSpan.Zero ? null : Format(balancing.SlowStart),
    };

    internal static TimeoutsSpec? Timeouts(RouteSettings s)
    {
        var d = RouteSettings.Default;
        var spec = new TimeoutsSpec
        {
            Idle = s.IdleTimeout == d.IdleTimeout ? null : s.IdleTimeout is { } idle ? Format(idle) : "0",
            Connect = s.ConnectTimeout == d.ConnectTimeout ? null : Format(s.ConnectTimeout),
            Handshake = s.HandshakeTimeout == d.HandshakeTimeout ? null : Format(s.HandshakeTimeout),
            Drain = s.DrainTimeout == d.DrainTimeout ? null : Format(s.DrainTimeout),
        };
        return spec is { Idle: null, Connect: null, Handshake: null, Drain: null } ? null : spec;
    }

    /// <summary>A duration as the CRD writes it: whole seconds ("3600s"), or milliseconds when finer.</summary>
    internal static string Format(TimeSpan value) => value == TimeSpan.Zero ? "0"
        : value.TotalMilliseconds % 1000 == 0 ? $"{(long)value.TotalSeconds}s" : $"{(long)value.TotalMilliseconds}ms";
}
