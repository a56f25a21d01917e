using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>
/// Sockway's replacement for YARP's load-balancing step. YARP skips the policy when a cluster has one destination;
/// Sockway cannot, since picking is also where a connection's slot is reserved, limits are enforced and the tunnel is
/// registered for drain and metrics.
/// </summary>
internal sealed partial class BalancingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly FrozenDictionary<string, ILoadBalancingPolicy> _policies;
    private readonly ILogger<BalancingMiddleware> _logger;

    public BalancingMiddleware(RequestDelegate next, IEnumerable<ILoadBalancingPolicy> policies, ILogger<BalancingMiddleware> logger)
    {
        _next = next;
        _policies = policies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var cluster = proxy.Cluster.Config;
        var policyName = cluster.LoadBalancingPolicy ?? BalancingPolicyNames.LeastConnections;
        var policy = _policies.GetValueOrDefault(policyName) ?? _policies[BalancingPolicyNames.LeastConnections];
        var chosen = policy.PickDestination(context, proxy.Route.Cluster!, proxy.AvailableDestinations);
        if (chosen is null)
        {
            LogNoDestination(cluster.ClusterId, context.Features.Get<TunnelFeature>()?.Failure ?? BalancingFailure.NoEndpoint);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        proxy.AvailableDestinations = chosen;
        return _next(context);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "No destination for cluster {ClusterId}: {Failure}")]
    private partial void LogNoDestination(string clusterId, BalancingFailure failure);
}
