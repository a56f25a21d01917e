using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Sockway.Controller.Api.GatewayV1;

/// <summary>A Gateway (named GatewayResource here: Sockway.Gateway is the data plane's namespace).</summary>
[KubernetesEntity(Group = GatewayApi.Group, ApiVersion = GatewayApi.Version, Kind = KindName, PluralName = Plural)]
public sealed class GatewayResource : GatewayApiObject<GatewaySpec, GatewayStatus>
{
    public const string KindName = "Gateway";
    public const string Plural = "gateways";

    [JsonPropertyName("kind")]
    public override string Kind { get; set; } = KindName;
}

public sealed class GatewaySpec
{
    [JsonPropertyName("gatewayClassName")]
    public string? GatewayClassName { get; set; }

    [JsonPropertyName("listeners")]
    public IList<Listener>? Listeners { get; set; }

    /// <summary>Read only to refuse them: Sockway's addresses are its own Service's.</summary>
    [JsonPropertyName("addresses")]
    public IList<object>? Addresses { get; set; }
}

public sealed class Listener
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    /// <summary>HTTP or HTTPS (Sockway serves these two).</summary>
    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }

    [JsonPropertyName("tls")]
    public ListenerTls? Tls { get; set; }

    [JsonPropertyName("allowedRoutes")]
    public AllowedRoutes? AllowedRoutes { get; set; }
}

public sealed class ListenerTls
{
    /// <summary>Terminate (default); Passthrough is not served.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("certificateRefs")]
    public IList<ObjectReference>? CertificateRefs { get; set; }
}

/// <summary>A reference to an object by group, kind, name and (optionally) namespace.</summary>
public sealed class ObjectReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

public sealed class AllowedRoutes
{
    [JsonPropertyName("namespaces")]
    public RouteNamespaces? Namespaces { get; set; }

    [JsonPropertyName("kinds")]
    public IList<RouteGroupKind>? Kinds { get; set; }
}

public sealed class RouteNamespaces
{
    /// <summary>Same (default), All or Selector.</summary>
    [JsonPropertyName("from")]
    public string? From { get; set; }

    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }
}

public sealed class RouteGroupKind
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }
}

public sealed class GatewayStatus
{
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("listeners")]
    public IList<ListenerStatus>? Listeners { get; set; }
}

public sealed class ListenerStatus
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("supportedKinds")]
    public IList<RouteGroupKind>? SupportedKinds { get; set; }

    [JsonPropertyName("attachedRoutes")]
    public int AttachedRoutes { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
