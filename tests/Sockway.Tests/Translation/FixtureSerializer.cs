using Sockway.Controller.Translation;
using Sockway.Gateway.Configuration;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Sockway.Tests.Translation;

/// <summary>Renders a translation result as stable, reviewable YAML for fixture comparison.</summary>
internal static class FixtureSerializer
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    public static string ToYaml(TranslationResult result) => Serializer.Serialize(new
    {
        routes = result.Config.Routes.Select(Route).ToList(),
        certificates = result.Config.Certificates.Select(c => new { id = c.Id, hosts = c.Hosts }).ToList(),
        statuses = result.Routes.Select(o => new
        {
            route = o.Key.ToString(),
            observedGeneration = o.ObservedGeneration,
            endpoints = o.Endpoints,
            conditions = o.Conditions.Select(c => $"{c.Type}={(c.Status ? "True" : "False")} {c.Reason}: {c.Message}").ToList(),
        }).ToList(),
    });

    private static object Route(GatewayRoute route) => new
    {
        id = route.Id,
        hosts = route.Hosts,
        path = route.Path,
        pathType = route.PathType.ToString(),
        endpoints = route.Endpoints.Select(e => $"{e.Key}{(e.Ready ? string.Empty : " (not ready)")}").ToList(),
        balancing = route.Balancing.HashKey is null
            ? route.Balancing.Policy.ToString()
            : $"{route.Balancing.Policy} on {route.Balancing.HashKey.Source} {route.Balancing.HashKey.Name} ({(route.Balancing.BoundedLoadPercent is { } bound ? $"bounded load {bound}%" : "strict affinity")})",
        slowStart = route.Balancing.SlowStart.ToString(),
        rebalance = route.Balancing.Rebalance is { } r ? $"above {r.ThresholdPercent}% of mean, at most {r.MaxClosesPercent}% per {r.Interval}" : "off",
        idleTimeout = route.IdleTimeout?.ToString() ?? "none",
        connectTimeout = route.ConnectTimeout.ToString(),
        drainTimeout = route.DrainTimeout.ToString(),
        limits = $"per endpoint {route.Limits.MaxPerEndpoint?.ToString() ?? "none"}, per route {route.Limits.MaxPerRoute?.ToString() ?? "none"}",
        clientLimits = $"open {route.Limits.MaxPerClient?.ToString() ?? "none"}, handshakes/s {route.Limits.HandshakesPerSecondPerClient?.ToString() ?? "none"} burst {route.Limits.HandshakeBurstPerClient?.ToString() ?? "the rate"}",
        messageLimits = $"frame {route.MessageLimits.MaxFrameBytes?.ToString() ?? "none"}, message {route.MessageLimits.MaxMessageBytes?.ToString() ?? "none"}",
        keepalive = route.Keepalive.Interval == TimeSpan.Zero ? "off" : $"every {route.Keepalive.Interval}, timeout {route.Keepalive.Timeout}{(route.Keepalive.CountsAsActivity ? ", counts as activity" : string.Empty)}",
        allowedOrigins = route.AllowedOrigins,
        allowPlainHttp = route.AllowPlainHttp,
    };
}
