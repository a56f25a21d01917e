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

    [JsonPropertyName("limits")]
    public LimitsSpec? Limits { get; set; }

    [JsonPropertyName("keepalive")]
    public KeepaliveSpec? Keepalive { get; set; }

    /// <summary>Origins a browser may open the WebSocket from; empty allows any.</summary>
    [JsonPropertyName("allowedOrigins")]
    public IList<string>? AllowedOrigins { get; set; }

    [JsonPropertyName("tls")]
    public TlsSpec? Tls { get; set; }

    /// <summary>Proxy non-upgrade requests too (default true); false answers them 426.</summary>
    [JsonPropertyName("allowPlainHttp")]
    public bool? AllowPlainHttp { get; set; }

    /// <summary>Client address ranges allowed and denied; others get 403 (nginx's whitelist/denylist-source-range).</summary>
    [JsonPropertyName("sourceRanges")]
    public SourceRangesSpec? SourceRanges { get; set; }

    /// <summary>Answer requests that did not come over TLS with 308 to https:// (nginx's ssl-redirect).</summary>
    [JsonPropertyName("redirectToHttps")]
    public bool? RedirectToHttps { get; set; }

    /// <summary>Plain HTTP request bodies larger than this many bytes get 413 (nginx's proxy-body-size).</summary>
    [JsonPropertyName("maxRequestBodyBytes")]
    public long? MaxRequestBodyBytes { get; set; }
}

public sealed class SourceRangesSpec
{
    /// <summary>CIDR ranges allowed; empty allows any address not denied.</summary>
    [JsonPropertyName("allow")]
    public IList<string>? Allow { get; set; }

    /// <summary>CIDR ranges refused, even inside an allowed range.</summary>
    [JsonPropertyName("deny")]
    public IList<string>? Deny { get; set; }
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

    /// <summary>ConsistentHash: no endpoint takes more than this percentage of the mean (default 125).</summary>
    [JsonPropertyName("boundedLoadPercent")]
    public int? BoundedLoadPercent { get; set; }

    /// <summary>A new endpoint's share of new connections ramps up over this window (default 0: off).</summary>
    [JsonPropertyName("slowStart")]
    public string? SlowStart { get; set; }

    [JsonPropertyName("rebalance")]
    public RebalanceSpec? Rebalance { get; set; }
}

/// <summary>Shedding connections from overloaded endpoints after a scale-up, with Close 1012.</summary>
public sealed class RebalanceSpec
{
    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    /// <summary>Rebalance while max/mean open connections is above this percentage (default 120).</summary>
    [JsonPropertyName("thresholdPercent")]
    public int? ThresholdPercent { get; set; }

    /// <summary>At most this percentage of the route's connections closed per interval (default 1).</summary>
    [JsonPropertyName("maxClosesPercent")]
    public int? MaxClosesPercent { get; set; }

    /// <summary>Pacing interval (default 10s).</summary>
    [JsonPropertyName("interval")]
    public string? Interval { get; set; }
}

public sealed class LimitsSpec
{
    [JsonPropertyName("maxConnectionsPerEndpoint")]
    public int? MaxConnectionsPerEndpoint { get; set; }

    [JsonPropertyName("maxConnectionsPerRoute")]
    public int? MaxConnectionsPerRoute { get; set; }

    /// <summary>Open tunnels one client (an IPv4 address or IPv6 /64) may hold on this route; over it, 429.</summary>
    [JsonPropertyName("maxConnectionsPerClient")]
    public int? MaxConnectionsPerClient { get; set; }

    /// <summary>Sustained WebSocket handshakes per second one client may make on this route; over it, 429.</summary>
    [JsonPropertyName("handshakesPerSecondPerClient")]
    public int? HandshakesPerSecondPerClient { get; set; }

    /// <summary>Handshakes a client may make at once before the rate applies (default: one second's worth).</summary>
    [JsonPropertyName("handshakeBurstPerClient")]
    public int? HandshakeBurstPerClient { get; set; }

    /// <summary>Largest data frame payload, in wire bytes, either way (default: no cap beyond maxMessageBytes); over it, Close 1009.</summary>
    [JsonPropertyName("maxFrameBytes")]
    public long? MaxFrameBytes { get; set; }

    /// <summary>Largest message (sum of its frames' payloads), in wire bytes, either way (default 64 MiB); over it, Close 1009.</summary>
    [JsonPropertyName("maxMessageBytes")]
    public long? MaxMessageBytes { get; set; }
}

/// <summary>Pings to silent peers, and ending tunnels whose peer stopped answering.</summary>
public sealed class KeepaliveSpec
{
    /// <summary>Ping a side silent this long (default 30s; "0" turns keepalive off).</summary>
    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    /// <summary>End the tunnel when the pinged side sends nothing within this long (default 15s).</summary>
    [JsonPropertyName("timeout")]
    public string? Timeout { get; set; }

    /// <summary>Whether keepalive Pings and their Pongs keep a tunnel from timeouts.idle (default false).</summary>
    [JsonPropertyName("countsAsActivity")]
    public bool? CountsAsActivity { get; set; }
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

    /// <summary>Answer 504 if a backend has not answered the upgrade (connect included) within this long (default 10s).</summary>
    [JsonPropertyName("handshake")]
    public string? Handshake { get; set; }

    /// <summary>Tunnels on an endpoint that left are closed (1001) at random moments in the second half of this window (default 30s).</summary>
    [JsonPropertyName("drain")]
    public string? Drain { get; set; }
}

public sealed class TlsSpec
{
    /// <summary>A kubernetes.io/tls Secret in the route's namespace.</summary>
    [JsonPropertyName("secretName")]
    public string? SecretName { get; set; }
}
