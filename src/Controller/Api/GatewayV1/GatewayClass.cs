using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Sockway.Controller.Api.GatewayV1;

[KubernetesEntity(Group = GatewayApi.Group, ApiVersion = GatewayApi.Version, Kind = KindName, PluralName = Plural)]
public sealed class GatewayClass : GatewayApiObject<GatewayClassSpec, GatewayClassStatus>
{
    public const string KindName = "GatewayClass";
    public const string Plural = "gatewayclasses";

    [JsonPropertyName("kind")]
    public override string Kind { get; set; } = KindName;
}

public sealed class GatewayClassSpec
{
    [JsonPropertyName("controllerName")]
    public string? ControllerName { get; set; }

    /// <summary>Read only to refuse it: Sockway's class takes no parameters.</summary>
    [JsonPropertyName("parametersRef")]
    public ObjectReference? ParametersRef { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }
}

public sealed class GatewayClassStatus
{
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
