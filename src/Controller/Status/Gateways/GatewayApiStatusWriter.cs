using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Leadership;
using Sockway.Controller.Pipeline;
using Sockway.Controller.Sources.Kubernetes;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Status.Gateways;

/// <summary>
/// Writes Gateway API status (and WebSocketPolicy status) when this replica leads: GatewayClasses with Sockway's
/// controllerName, their Gateways (conditions, listeners, attachedRoutes), the HTTPRoutes attached to them (one parent
/// entry per Sockway parent; other controllers' entries kept) and the policies that target them. Each object is
/// patched (merge patch on the status subresource) only when what it shows differs from what it should show.
/// </summary>
public sealed partial class GatewayApiStatusWriter : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly IKubernetes _client;
    private readonly KubernetesSource _source;
    private readonly LeadershipService _leadership;
    private readonly TimeProvider _clock;
    private readonly ILogger<GatewayApiStatusWriter> _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    // The JSON last written per object and its resourceVersion then: until the watch shows the write, not again.
    private readonly Dictionary<(string Kind, string Namespace, string Name), (string? ResourceVersion, string Json)> _written = [];
    private volatile TranslationResult? _result;
    private long _writes;

    public GatewayApiStatusWriter(IKubernetes client, ConfigPipeline pipeline, KubernetesSource source, LeadershipService leadership, TimeProvider clock,
        ILogger<GatewayApiStatusWriter> logger)
    {
        _client = client;
        _source = source;
        _leadership = leadership;
        _clock = clock;
        _logger = logger;
        pipeline.Translated += result =>
        {
            _result = result;
            Signal();
        };
        leadership.LeadershipChanged += leader =>
        {
            if (leader)
            {
                Signal();
            }
        };
    }

    public long Writes => Interlocked.Read(ref _writes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stoppingToken);
                if (!_leadership.IsLeader || _result is not { } result)
                {
                    continue;
                }

                if (!await WriteAllAsync(result, stoppingToken))
                {
                    _ = RetryLaterAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogWriteFailed("(Gateway API objects)", ex.Message);
                _ = RetryLaterAsync(stoppingToken);
            }
        }
    }

    private async Task<bool> WriteAllAsync(TranslationResult result, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var ok = true;
        var classes = _source.GatewayClasses.ToDictionary(c => c.Metadata.Name);
        foreach (var outcome in result.GatewayClasses)
        {
            if (classes.TryGetValue(outcome.Name, out var current) && Fresh(current, outcome.ObservedGeneration))
            {
                ok &= await PatchAsync(current, ResourceType.GatewayClasses, null, current.Status, GatewayApiStatusBuilder.Class(outcome, current.Status, now), cancellationToken);
            }
        }

        var gateways = _source.Gateways.ToDictionary(Key);
        foreach (var outcome in result.Gateways)
        {
            if (gateways.TryGetValue(outcome.Key, out var current) && Fresh(current, outcome.ObservedGeneration))
            {
                ok &= await PatchAsync(current, ResourceType.Gateways, outcome.Key.Namespace, current.Status, GatewayApiStatusBuilder.Gateway(outcome, current.Status, now), cancellationToken);
            }
        }

        // Every route that shows a Sockway entry or should have one: a route detached from Sockway loses its entries.
        var routes = result.HttpRoutes.ToDictionary(o => o.Key);
        foreach (var current in _source.HttpRoutes)
        {
            var outcome = routes.GetValueOrDefault(Key(current));
            var shows = current.Status?.Parents?.Any(p => p?.ControllerName == GatewayApi.ControllerName) == true;
            if ((outcome is not null && Fresh(current, outcome.ObservedGeneration)) || (outcome is null && shows))
            {
                ok &= await PatchAsync(current, ResourceType.HttpRoutes, Key(current).Namespace, current.Status, GatewayApiStatusBuilder.Route(outcome, current.Status, now), cancellationToken);
            }
        }

        var policies = result.Policies.ToDictionary(o => o.Key);
        foreach (var current in _source.WebSocketPolicies)
        {
            var outcome = policies.GetValueOrDefault(Key(current));
            var shows = current.Status?.Ancestors?.Any(a => a?.ControllerName == GatewayApi.ControllerName) == true;
            if ((outcome is not null && Fresh(current, outcome.ObservedGeneration)) || (outcome is null && shows))
            {
                ok &= await PatchAsync(current, ResourceType.WebSocketPolicies, Key(current).Namespace, current.Status, GatewayApiStatusBuilder.Policy(outcome, current.Status, now), cancellationToken);
            }
        }

        return ok;
    }

    // A newer generation than the one translated means a translation of it is on its way: write then.
    private static bool Fresh(IKubernetesObject<V1ObjectMeta> current, long? translated) => (current.Metadata.Generation ?? 0) <= (translated ?? 0);

    private async Task<bool> PatchAsync<TStatus>(IKubernetesObject<V1ObjectMeta> current, ResourceType type, string? ns, TStatus? shown, TStatus desired,
        CancellationToken cancellationToken)
    {
        var json = KubernetesJson.Serialize(desired);
        var id = (type.Kind, ns ?? string.Empty, current.Metadata.Name);
        if ((shown is not null && KubernetesJson.Serialize(shown) == json)
            || (_written.TryGetValue(id, out var written) && written.ResourceVersion == current.Metadata.ResourceVersion && written.Json == json))
        {
            return true;
        }

        var patch = new V1Patch("{\"status\":" + json + "}", V1Patch.PatchType.MergePatch);
        try
        {
            if (ns is null)
            {
                await _client.CustomObjects.PatchClusterCustomObjectStatusAsync(patch, type.Group, type.Version, type.Plural, current.Metadata.Name, cancellationToken: cancellationToken);
            }
            else
            {
                await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, type.Group, type.Version, ns, type.Plural, current.Metadata.Name, cancellationToken: cancellationToken);
            }

            _written[id] = (current.Metadata.ResourceVersion, json);
            Interlocked.Increment(ref _writes);
            LogWritten(type.Kind, $"{(ns is null ? string.Empty : ns + "/")}{current.Metadata.Name}");
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWriteFailed($"{type.Kind} {(ns is null ? string.Empty : ns + "/")}{current.Metadata.Name}", ex.Message);
            return false;
        }
    }

    private static RouteKey Key(IKubernetesObject<V1ObjectMeta> o) =>
        new(string.IsNullOrEmpty(o.Metadata.NamespaceProperty) ? "default" : o.Metadata.NamespaceProperty, o.Metadata.Name);

    private async Task RetryLaterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(RetryDelay, cancellationToken);
            Signal();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Wrote status of {Kind} {Object}")]
    private partial void LogWritten(string kind, string @object);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Could not write status of {Object}, will retry: {Problem}")]
    private partial void LogWriteFailed(string @object, string problem);
}
