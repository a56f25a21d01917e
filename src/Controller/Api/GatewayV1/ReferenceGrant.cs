using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Sockway.Controller.Api.GatewayV1;

/// <summary>Lets objects in other namespaces refer to objects in this one (a backend Service, a certificate Secret).</summary>
[KubernetesEntity(Group = GatewayApi.Group, ApiVersion = GatewayApi.Version, Kind = KindName, PluralName = Plural)]
public sealed class ReferenceGrant : GatewayApiObject<ReferenceGrantSpec, object>
{
    public const string KindName = "ReferenceGrant";
    public const string Plural = "referencegrants";

    [JsonPropertyName("kind")]
    public override string Kind { get; set; } = KindName;
}

public sealed class ReferenceGrantSpec
{
    [JsonPropertyName("from")]
    public IList<ReferenceGrantFrom>? From { get; set; }

    [JsonPropertyName("to")]
    public IList<ReferenceGrantTo>? To { get; set; }
}

public sealed class ReferenceGrantFrom
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

public sealed class ReferenceGrantTo
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>Empty grants every object of the kind.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
