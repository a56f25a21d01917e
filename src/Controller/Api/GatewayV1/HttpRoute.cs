using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Sockway.Controller.Api.GatewayV1;

[KubernetesEntity(Group = GatewayApi.Group, ApiVersion = GatewayApi.Version, Kind = KindName, PluralName = Plural)]
public sealed class HttpRoute : GatewayApiObject<HttpRouteSpec, HttpRouteStatus>
{
    public const string KindName = "HTTPRoute";
    public const string Plural = "httproutes";

    [JsonPropertyName("kind")]
    public override string Kind { get; set; } = KindName;
}

public sealed class HttpRouteSpec
{
    [JsonPropertyName("parentRefs")]
    public IList<ParentReference>? ParentRefs { get; set; }

    [JsonPropertyName("hostnames")]
    public IList<string>? Hostnames { get; set; }

    [JsonPropertyName("rules")]
    public IList<HttpRouteRule>? Rules { get; set; }
}

public sealed class ParentReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("sectionName")]
    public string? SectionName { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

public sealed class HttpRouteRule
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("matches")]
    public IList<HttpRouteMatch>? Matches { get; set; }

    /// <summary>Read only to refuse them: Sockway implements no HTTPRoute filters yet.</summary>
    [JsonPropertyName("filters")]
    public IList<object>? Filters { get; set; }

    [JsonPropertyName("backendRefs")]
    public IList<HttpBackendRef>? BackendRefs { get; set; }
}

public sealed class HttpRouteMatch
{
    [JsonPropertyName("path")]
    public HttpPathMatch? Path { get; set; }

    [JsonPropertyName("headers")]
    public IList<HttpHeaderMatch>? Headers { get; set; }

    /// <summary>Read only to refuse them (not served yet).</summary>
    [JsonPropertyName("queryParams")]
    public IList<object>? QueryParams { get; set; }

    /// <summary>Read only to refuse it (not served yet).</summary>
    [JsonPropertyName("method")]
    public string? Method { get; set; }
}

public sealed class HttpPathMatch
{
    /// <summary>PathPrefix (default) or Exact; RegularExpression is refused.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

public sealed class HttpHeaderMatch
{
    /// <summary>Exact (default); RegularExpression is refused.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

public sealed class HttpBackendRef
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    /// <summary>Default 1; 0 sends nothing.</summary>
    [JsonPropertyName("weight")]
    public int? Weight { get; set; }

    /// <summary>Read only to refuse them.</summary>
    [JsonPropertyName("filters")]
    public IList<object>? Filters { get; set; }
}

public sealed class HttpRouteStatus
{
    [JsonPropertyName("parents")]
    public IList<RouteParentStatus>? Parents { get; set; }
}

public sealed class RouteParentStatus
{
    [JsonPropertyName("parentRef")]
    public ParentReference ParentRef { get; set; } = new();

    [JsonPropertyName("controllerName")]
    public string? ControllerName { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
