using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Sockway.Controller.Api.GatewayV1;

namespace Sockway.Controller.Api.V1Alpha1;

/// <summary>
/// WebSocket settings for Gateway API users, attached by policy attachment (targetRefs) to an HTTPRoute or a Service.
/// The settings blocks are exactly those of a WebSocketRoute's spec, so both read and validate the same.
/// </summary>
[KubernetesEntity(Group = WebSocketRoute.Group, ApiVersion = WebSocketRoute.Version, Kind = KindName, PluralName = Plural)]
public sealed class WebSocketPolicy : GatewayApiObject<WebSocketPolicySpec, PolicyStatus>
{
    public const string KindName = "WebSocketPolicy";
    public const string Plural = "websocketpolicies";

    public WebSocketPolicy() => ApiVersion = WebSocketRoute.GroupVersion;

    [JsonPropertyName("kind")]
    public override string Kind { get; set; } = KindName;
}

public sealed class WebSocketPolicySpec
{
    [JsonPropertyName("targetRefs")]
    public IList<PolicyTargetReference>? TargetRefs { get; set; }

    [JsonPropertyName("balancing")]
    public BalancingSpec? Balancing { get; set; }

    [JsonPropertyName("timeouts")]
    public TimeoutsSpec? Timeouts { get; set; }

    [JsonPropertyName("limits")]
    public LimitsSpec? Limits { get; set; }

    [JsonPropertyName("allowedOrigins")]
    public IList<string>? AllowedOrigins { get; set; }

    [JsonPropertyName("keepalive")]
    public KeepaliveSpec? Keepalive { get; set; }
}

/// <summary>Gateway API LocalPolicyTargetReference: an object in the policy's own namespace.</summary>
public sealed class PolicyTargetReference
{
    /// <summary>gateway.networking.k8s.io for an HTTPRoute, "" for a core Service.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

/// <summary>Gateway API PolicyStatus: one entry per ancestor (here: per target) and controller.</summary>
public sealed class PolicyStatus
{
    [JsonPropertyName("ancestors")]
    public IList<PolicyAncestorStatus>? Ancestors { get; set; }
}

public sealed class PolicyAncestorStatus
{
    [JsonPropertyName("ancestorRef")]
    public ParentReference AncestorRef { get; set; } = new();

    [JsonPropertyName("controllerName")]
    public string? ControllerName { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
