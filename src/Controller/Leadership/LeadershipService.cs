using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sockway.Controller.Pipeline;

namespace Sockway.Controller.Leadership;

/// <summary>
/// Runs the Lease election (k8s.LeaderElection) and tells the status writer whether this replica leads.
/// Losing the API server means losing the lease after RenewDeadline, so a partitioned replica stops writing
/// before another one starts.
/// </summary>
public sealed partial class LeadershipService : BackgroundService
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger<LeadershipService> _logger;
    private readonly string _leaseName;
    private readonly string _leaseNamespace;
    private volatile bool _isLeader;

    public LeadershipService(IKubernetes client, IOptions<LeaderElectionOptions> options, IOptions<PipelineOptions> pipeline, ILogger<LeadershipService> logger)
    {
        _client = client;
        _options = options.Value;
        _logger = logger;
        _leaseName = _options.ResolveLeaseName(pipeline.Value.RouteClassName);
        _leaseNamespace = _options.ResolveLeaseNamespace();
        Identity = _options.ResolveIdentity();
        _isLeader = !_options.Enabled;
    }

    public string Identity { get; }

    /// <summary>True while this replica holds the Lease (always, when election is disabled).</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Raised with the new value whenever <see cref="IsLeader"/> flips.</summary>
    public event Action<bool>? LeadershipChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled();
            return;
        }

        LogCandidate(Identity, _leaseNamespace, _leaseName);
        var config = new LeaderElectionConfig(new LeaseLock(_client, _leaseNamespace, _leaseName, Identity))
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(config);
            elector.OnStartedLeading += () => SetLeader(true);
            elector.OnStoppedLeading += () => SetLeader(false);
            elector.OnNewLeader += leader => LogNewLeader(leader);
            elector.OnError += ex => LogElectionError(ex.Message);
            try
            {
                await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                SetLeader(false);
                LogElectionError(ex.Message);
                await Task.Delay(_options.RetryPeriod, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        SetLeader(false);
        if (_options.ReleaseOnShutdown)
        {
            await ReleaseAsync();
        }
    }

    // What client-go does with ReleaseOnCancel: an empty holder lets candidates acquire on their next try.
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_leaseName, _leaseNamespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != Identity)
            {
                return;
            }

            // Empty, not null: KubernetesClient's elector treats a null holder as "no Lease" and tries to create one.
            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = DateTime.UtcNow;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _leaseName, _leaseNamespace, cancellationToken: timeout.Token);
            LogReleased(Identity);
        }
        catch (Exception ex)
        {
            // Not fatal: the Lease then lapses after LeaseDuration, as after a crash.
            LogElectionError($"could not release the Lease: {ex.Message}");
        }
    }

    private void SetLeader(bool leader)
    {
        if (_isLeader == leader)
        {
            return;
        }

        _isLeader = leader;
        if (leader)
        {
            LogStartedLeading(Identity);
        }
        else
        {
            LogStoppedLeading(Identity);
        }

        LeadershipChanged?.Invoke(leader);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election disabled: this replica writes status")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election: {Identity} is a candidate for Lease {Namespace}/{Lease}")]
    private partial void LogCandidate(string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} is now the leader: it writes route status and Events")]
    private partial void LogStartedLeading(string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} stopped leading: it keeps serving traffic but writes no status")]
    private partial void LogStoppedLeading(string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} released the Lease on shutdown")]
    private partial void LogReleased(string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Current leader: {Leader}")]
    private partial void LogNewLeader(string leader);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election error: {Problem}")]
    private partial void LogElectionError(string problem);
}
