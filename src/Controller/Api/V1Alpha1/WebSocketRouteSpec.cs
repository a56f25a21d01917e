using System.Text.Json.Serialization;
using k8s.Models;

namespace Sockway.Controller.Api.V1Alpha1;

public sealed class WebSocketRouteSpec
{
    /// <summary>Selects which Sockway installation serves this route; empty means the default class.</summary>
    [JsonPropertyName("routeClassName")]
    public string? RouteClassName { get; set; }

    /// <summary>Host names (exact or *.wildcard); empty matches any host.</summary>
    [JsonPropertyName("hosts")]
    public IList<string>? Hosts { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }

    /// <summary>Prefix (default) or Exact.</summary>
    [JsonPropertyName("pathType")]
    public string? PathType { get; set; }

    [JsonPropertyName("backend")]
    public BackendRef? Backend { get; set; }

    [JsonPropertyName("balancing")]
    public BalancingSpec? Balancing { get; set; }

    [JsonPropertyName("timeouts")]
    public TimeoutsSpec? Timeouts { get; set; }

    /// <summary>Origins a browser may open the WebSocket from; empty allows any.</summary>
    [JsonPropertyName("allowedOrigins")]
    public IList<string>? AllowedOrigins { get; set; }

    [JsonPropertyName("tls")]
    public TlsSpec? Tls { get; set; }

    /// <summary>Proxy non-upgrade requests too (default true); false answers them 426.</summary>
    [JsonPropertyName("allowPlainHttp")]
    public bool? AllowPlainHttp { get; set; }
}

public sealed class BackendRef
{
    [JsonPropertyName("service")]
    public ServiceBackendRef? Service { get; set; }
}

public sealed class ServiceBackendRef
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The Service port, by number or by name.</summary>
    [JsonPropertyName("port")]
    public IntOrString? Port { get; set; }
}

public sealed class BalancingSpec
{
    /// <summary>LeastConnections (default), PowerOfTwoLeastConnections, RoundRobin or ConsistentHash.</summary>
    [JsonPropertyName("policy")]
    public string? Policy { get; set; }

    /// <summary>Required for ConsistentHash: where the hash key is read from.</summary>
    [JsonPropertyName("hashKey")]
    public HashKeySpec? HashKey { get; set; }
}

public sealed class HashKeySpec
{
    /// <summary>Header, Cookie or Query.</summary>
    [JsonPropertyName("source")]
    public string? Source { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

public sealed class TimeoutsSpec
{
    /// <summary>Close a tunnel idle this long (default 1h; "0" means never).</summary>
    [JsonPropertyName("idle")]
    public string? Idle { get; set; }

    /// <summary>Give up connecting to a backend after this long (default 5s).</summary>
    [JsonPropertyName("connect")]
    public string? Connect { get; set; }
}

public sealed class TlsSpec
{
    /// <summary>A kubernetes.io/tls Secret in the route's namespace.</summary>
    [JsonPropertyName("secretName")]
    public string? SecretName { get; set; }
}
