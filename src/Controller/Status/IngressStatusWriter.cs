using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Controller.Leadership;
using Sockway.Controller.Pipeline;
using Sockway.Controller.Sources.Kubernetes;
using Sockway.Controller.Translation;
using Sockway.Controller.Translation.Ingresses;

namespace Sockway.Controller.Status;

/// <summary>
/// For every Ingress Sockway serves (leader only): status.loadBalancer from --ingress-status-address or the Service
/// named by --ingress-status-service, patched only when it differs; and a Warning Event for each annotation Sockway
/// does not implement and each condition that is False (posted once per change, not once per translation).
/// </summary>
public sealed partial class IngressStatusWriter : LeaderOnlyWriter
{
    private readonly IKubernetes _client;
    private readonly KubernetesSource _source;
    private readonly KubernetesEventRecorder _events;
    private readonly KubernetesSourceOptions _options;
    private readonly ILogger<IngressStatusWriter> _logger;
    private readonly Dictionary<RouteKey, HashSet<string>> _posted = [];
    private volatile IReadOnlyList<IngressOutcome> _outcomes = [];
    private long _writes;

    public IngressStatusWriter(IKubernetes client, ConfigPipeline pipeline, KubernetesSource source, LeadershipService leadership,
        KubernetesEventRecorder events, IOptions<KubernetesSourceOptions> options, ILogger<IngressStatusWriter> logger)
        : base(leadership)
    {
        _client = client;
        _source = source;
        _events = events;
        _options = options.Value;
        _logger = logger;
        pipeline.IngressStatusesChanged += outcomes =>
        {
            _outcomes = outcomes;
            Signal();
        };
    }

    /// <summary>Ingress status writes this replica made.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    protected override async Task<bool> WriteAllAsync(CancellationToken cancellationToken)
    {
        var failed = false;
        var outcomes = _outcomes;
        var address = DesiredAddress();
        foreach (var outcome in outcomes)
        {
            if (outcome.IsAccepted && address is not null)
            {
                failed |= !await WriteAsync(outcome.Key, address, cancellationToken);
            }

            RecordEvents(outcome);
        }

        foreach (var gone in _posted.Keys.Except(outcomes.Select(o => o.Key)).ToList())
        {
            _posted.Remove(gone);
            _events.Forget("networking.k8s.io/v1", "Ingress", gone.Namespace, gone.Name);
        }

        return !failed;
    }

    protected override void OnPassFailed(Exception exception) => LogWriteFailed("(all Ingresses)", exception.Message);

    /// <summary>The load balancer entries every served Ingress should show; null when neither option is set (status left alone).</summary>
    internal IList<V1IngressLoadBalancerIngress>? DesiredAddress()
    {
        if (!string.IsNullOrWhiteSpace(_options.IngressStatusAddress))
        {
            return _options.IngressStatusAddress.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(a => IPAddress.TryParse(a, out _) ? new V1IngressLoadBalancerIngress { Ip = a } : new V1IngressLoadBalancerIngress { Hostname = a })
                .ToList();
        }

        if (_options.IngressStatusService is { Length: > 0 } service && service.Split('/') is [var ns, var name])
        {
            var entries = _source.GetService(ns, name)?.Status?.LoadBalancer?.Ingress ?? [];
            return entries.Select(e => new V1IngressLoadBalancerIngress { Ip = e.Ip, Hostname = e.Hostname }).ToList();
        }

        return null;
    }

    private async Task<bool> WriteAsync(RouteKey key, IList<V1IngressLoadBalancerIngress> address, CancellationToken cancellationToken)
    {
        var ingress = _source.GetIngress(key);
        var current = ingress?.Status?.LoadBalancer?.Ingress ?? [];
        if (ingress is null || Same(current, address))
        {
            return true;
        }

        var patch = new V1Patch(KubernetesJson.Serialize(new V1Ingress { Status = new V1IngressStatus { LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = address } } }),
            V1Patch.PatchType.MergePatch);
        try
        {
            await _client.NetworkingV1.PatchNamespacedIngressStatusAsync(patch, key.Name, key.Namespace, cancellationToken: cancellationToken);
            Interlocked.Increment(ref _writes);
            LogWritten(key.ToString(), string.Join(",", address.Select(a => a.Ip ?? a.Hostname)));
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWriteFailed(key.ToString(), ex.Message);
            return false;
        }
    }

    private static bool Same(IList<V1IngressLoadBalancerIngress> a, IList<V1IngressLoadBalancerIngress> b) =>
        a.Select(e => (e.Ip, e.Hostname)).SequenceEqual(b.Select(e => (e.Ip, e.Hostname)));

    private void RecordEvents(IngressOutcome outcome)
    {
        var reports = outcome.Dropped.Select(d => (Reason: "AnnotationNotImplemented", Message: $"{d.Annotation}: {d.Detail}"))
            .Concat(outcome.Conditions.Where(c => !c.Status).Select(c => (c.Reason, c.Message)))
            .ToList();
        var keys = reports.Select(r => $"{r.Reason}|{r.Message}").ToHashSet(StringComparer.Ordinal);
        var before = _posted.GetValueOrDefault(outcome.Key) ?? [];
        if (keys.SetEquals(before))
        {
            return;
        }

        var uid = _source.GetIngress(outcome.Key)?.Metadata.Uid;
        foreach (var (reason, message) in reports.Where(r => !before.Contains($"{r.Reason}|{r.Message}")))
        {
            _events.Post(new ObjectEvent("networking.k8s.io/v1", "Ingress", outcome.Key.Namespace, outcome.Key.Name, uid, reason, message));
        }

        _posted[outcome.Key] = keys;
    }

    [LoggerMessage(Level = LogLevel.Debug, EventId = 41, Message = "Wrote status of Ingress {Ingress}: load balancer {Address}")]
    private partial void LogWritten(string ingress, string address);

    [LoggerMessage(Level = LogLevel.Warning, EventId = 42, Message = "Could not write the status of Ingress {Ingress}: {Problem}")]
    private partial void LogWriteFailed(string ingress, string problem);
}
