using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>
/// Kubernetes mode: informers for WebSocketRoutes, Services, EndpointSlices (or v1 Endpoints) and TLS Secrets,
/// in every namespace or in the configured ones, feeding snapshots to the pipeline. Nothing is published until
/// every informer has completed its initial list, so the gateway never serves a half-loaded cluster. A burst of
/// changes becomes one snapshot: the loop publishes once per wake-up, whatever arrived meanwhile.
/// </summary>
public sealed partial class KubernetesSource : BackgroundService
{
    private readonly SnapshotPublisher _publisher;
    private readonly ILogger<KubernetesSource> _logger;
    private readonly List<Informer<WebSocketRoute>> _routes = [];
    private readonly List<Informer<V1Service>> _services = [];
    private readonly List<Informer<V1EndpointSlice>> _slices = [];
    private readonly List<Informer<V1Endpoints>> _endpoints = [];
    private readonly List<Informer<V1Secret>> _secrets = [];
    private readonly List<Informer<V1Ingress>> _ingresses = [];
    private readonly List<Informer<V1IngressClass>> _ingressClasses = [];
    private readonly List<Informer<GatewayClass>> _gatewayClasses = [];
    private readonly List<Informer<GatewayResource>> _gateways = [];
    private readonly List<Informer<HttpRoute>> _httpRoutes = [];
    private readonly List<Informer<ReferenceGrant>> _grants = [];
    private readonly List<Informer<WebSocketPolicy>> _policies = [];
    private readonly List<IInformer> _all = [];
    private readonly List<Func<CancellationToken, Task>> _runners = [];
    private readonly SemaphoreSlim _changed = new(0, 1);

    public KubernetesSource(IKubernetes client, IOptions<KubernetesSourceOptions> options, SnapshotPublisher publisher, ILoggerFactory loggers)
    {
        _publisher = publisher;
        _logger = loggers.CreateLogger<KubernetesSource>();
        var settings = InformerSettings.From(options.Value);
        var informerLogger = loggers.CreateLogger("Sockway.Controller.Sources.Kubernetes.Informer");
        foreach (var scope in options.Value.NamespaceScopes())
        {
            Add(_routes, new Informer<WebSocketRoute>(client, ResourceType.WebSocketRoutes, scope, settings, informerLogger));
            Add(_services, new Informer<V1Service>(client, ResourceType.Services, scope, settings, informerLogger));
            if (options.Value.UseEndpointsV1)
            {
                Add(_endpoints, new Informer<V1Endpoints>(client, ResourceType.Endpoints, scope, settings, informerLogger));
            }
            else
            {
                Add(_slices, new Informer<V1EndpointSlice>(client, ResourceType.EndpointSlices, scope, settings, informerLogger));
            }

            Add(_secrets, new Informer<V1Secret>(client, ResourceType.TlsSecrets, scope, settings, informerLogger));
            if (options.Value.WatchIngresses)
            {
                Add(_ingresses, new Informer<V1Ingress>(client, ResourceType.Ingresses, scope, settings, informerLogger));
            }

            // Optional: without the Gateway API CRDs (or the WebSocketPolicy CRD) everything else is still served.
            Add(_gateways, new Informer<GatewayResource>(client, ResourceType.Gateways, scope, settings, informerLogger, optional: true));
            Add(_httpRoutes, new Informer<HttpRoute>(client, ResourceType.HttpRoutes, scope, settings, informerLogger, optional: true));
            Add(_grants, new Informer<ReferenceGrant>(client, ResourceType.ReferenceGrants, scope, settings, informerLogger, optional: true));
            Add(_policies, new Informer<WebSocketPolicy>(client, ResourceType.WebSocketPolicies, scope, settings, informerLogger, optional: true));
        }

        if (options.Value.WatchIngresses)
        {
            Add(_ingressClasses, new Informer<V1IngressClass>(client, ResourceType.IngressClasses, null, settings, informerLogger));
        }

        // Cluster-scoped: watched only when watching all namespaces (with --namespaces, every call stays inside them and
        // a namespaced Role suffices; Gateway API then serves nothing, see docs/gateway-api.md).
        if (options.Value.NamespaceScopes() is [null])
        {
            Add(_gatewayClasses, new Informer<GatewayClass>(client, ResourceType.GatewayClasses, null, settings, informerLogger, optional: true));
        }
        else
        {
            LogGatewayClassesNotWatched();
        }
    }

    /// <summary>Every informer, for readiness and metrics (sync state, reconnects, relists).</summary>
    public IReadOnlyList<IInformer> Informers => _all;

    /// <summary>True once every informer completed its initial list.</summary>
    public bool HasSynced => _all.All(i => i.HasSynced);

    /// <summary>Snapshots published so far.</summary>
    public long Published { get; private set; }

    /// <summary>An object that could not be read (reported, skipped, never fatal).</summary>
    public event Action<MalformedObject>? Malformed;

    /// <summary>The route as the API server last showed it, status included (the status writer compares against it).</summary>
    public WebSocketRoute? GetRoute(RouteKey key) => _routes.Select(i => i.Get(key.Namespace, key.Name)).FirstOrDefault(r => r is not null);

    /// <summary>The Ingress as the API server last showed it, status included.</summary>
    public V1Ingress? GetIngress(RouteKey key) => _ingresses.Select(i => i.Get(key.Namespace, key.Name)).FirstOrDefault(r => r is not null);

    /// <summary>A watched Service (the Ingress status writer copies its load balancer address).</summary>
    public V1Service? GetService(string @namespace, string name) => _services.Select(i => i.Get(@namespace, name)).FirstOrDefault(r => r is not null);

    /// <summary>Gateway API objects (and WebSocketPolicies) as last seen, status included (the Gateway API status writer reads them).</summary>
    public IEnumerable<GatewayClass> GatewayClasses => _gatewayClasses.SelectMany(i => i.Items);

    public IEnumerable<GatewayResource> Gateways => _gateways.SelectMany(i => i.Items);

    public IEnumerable<HttpRoute> HttpRoutes => _httpRoutes.SelectMany(i => i.Items);

    public IEnumerable<WebSocketPolicy> WebSocketPolicies => _policies.SelectMany(i => i.Items);

    /// <summary>Every route the watches hold, of any route class, status included.</summary>
    public IEnumerable<WebSocketRoute> AllRoutes() => _routes.SelectMany(i => i.Items);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarting(string.Join(", ", _all.Select(i => i.Name)));
        var running = _runners.Select(run => Task.Run(() => run(stoppingToken), stoppingToken)).ToList();
        var synced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _changed.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (!HasSynced)
            {
                continue;
            }

            if (!synced)
            {
                synced = true;
                LogSynced();
            }

            try
            {
                _publisher.Publish(BuildSnapshot());
                Published++;
            }
            catch (Exception ex)
            {
                // An object the snapshot cannot be built from must not end the source: the last snapshot keeps serving.
                LogSnapshotFailed(ex);
            }
        }

        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    private void Add<T>(List<Informer<T>> list, Informer<T> informer)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        list.Add(informer);
        _all.Add(informer);
        informer.Changed += change =>
        {
            if (!IsStatusOnly(change))
            {
                Signal();
            }
        };
        informer.Listed += Signal;
        informer.Malformed += OnMalformed;
        _runners.Add(informer.RunAsync);
    }

    private void OnMalformed(MalformedObject malformed) => Malformed?.Invoke(malformed);

    // A status write (ours) changes a route's resourceVersion but not its generation or labels: nothing to re-translate.
    private static bool IsStatusOnly<T>(InformerChange<T> change)
        where T : class =>
        change is { Type: InformerChangeType.Modified, Old: IKubernetesObject<V1ObjectMeta> old, New: IKubernetesObject<V1ObjectMeta> updated }
        && (old is WebSocketRoute or GatewayClass or GatewayResource or HttpRoute or WebSocketPolicy ? SameSpec(old.Metadata, updated.Metadata)
            // An Ingress's annotations are part of what is translated, and they do not move its generation.
            : old is V1Ingress && SameSpec(old.Metadata, updated.Metadata) && SameLabels(old.Metadata.Annotations, updated.Metadata.Annotations));

    private static bool SameSpec(V1ObjectMeta old, V1ObjectMeta updated) =>
        old.Generation is not null
        && old.Generation == updated.Generation
        && old.CreationTimestamp == updated.CreationTimestamp
        && SameLabels(old.Labels, updated.Labels);

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value));

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending; it will see this change too.
        }
    }

    private ClusterSnapshot BuildSnapshot() => new(
        _routes.SelectMany(i => i.Items).ToList(),
        _services.SelectMany(i => i.Items).ToList(),
        _slices.SelectMany(i => i.Items).Concat(_endpoints.SelectMany(i => i.Items).SelectMany(EndpointsConverter.ToSlices)).ToList(),
        _secrets.SelectMany(i => i.Items).ToList())
    {
        Ingresses = _ingresses.SelectMany(i => i.Items).ToList(),
        IngressClasses = _ingressClasses.SelectMany(i => i.Items).ToList(),
        GatewayClasses = _gatewayClasses.SelectMany(i => i.Items).ToList(),
        Gateways = _gateways.SelectMany(i => i.Items).ToList(),
        HttpRoutes = _httpRoutes.SelectMany(i => i.Items).ToList(),
        ReferenceGrants = _grants.SelectMany(i => i.Items).ToList(),
        WebSocketPolicies = _policies.SelectMany(i => i.Items).ToList(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes mode: watching {Informers}")]
    private partial void LogStarting(string informers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not build a snapshot from the watched objects; the last good config keeps serving")]
    private partial void LogSnapshotFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching only some namespaces: GatewayClasses (cluster-scoped) are not read, so Gateway API objects are not served; WebSocketRoutes are")]
    private partial void LogGatewayClassesNotWatched();

    [LoggerMessage(Level = LogLevel.Information, Message = "Initial lists complete; publishing config")]
    private partial void LogSynced();
}
