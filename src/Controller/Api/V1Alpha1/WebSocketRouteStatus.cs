using System.Text.Json.Serialization;
using k8s.Models;

namespace Sockway.Controller.Api.V1Alpha1;

public sealed class WebSocketRouteStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>Ready endpoints behind the route.</summary>
    [JsonPropertyName("endpoints")]
    public int? Endpoints { get; set; }

    /// <summary>The route's hosts, comma-separated ("*" when it matches any host): `kubectl get` cannot join a list itself.</summary>
    [JsonPropertyName("hosts")]
    public string? Hosts { get; set; }
}

/// <summary>Condition types and reasons a WebSocketRoute reports.</summary>
public static class RouteConditions
{
    public const string Accepted = "Accepted";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Ready = "Ready";

    public static class Reasons
    {
        public const string Accepted = "Accepted";
        public const string Invalid = "Invalid";
        public const string Conflicted = "Conflicted";
        public const string ResolvedRefs = "ResolvedRefs";
        public const string BackendNotFound = "BackendNotFound";
        public const string PortNotFound = "PortNotFound";
        public const string SecretNotFound = "SecretNotFound";
        public const string InvalidSecret = "InvalidSecret";
        public const string Ready = "Ready";
        public const string NoReadyEndpoints = "NoReadyEndpoints";
        public const string NotAccepted = "NotAccepted";
        public const string UnresolvedRefs = "UnresolvedRefs";
    }
}
