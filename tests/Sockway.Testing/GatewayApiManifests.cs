namespace Sockway.Testing;

/// <summary>The Gateway API objects a user would write for one WebSocket route, as YAML (apply with kubectl, or load as objects).</summary>
public static class GatewayApiManifests
{
    public static string Class(string name = "sockway") => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {"{"}name: {name}{"}"}
        spec: {"{"}controllerName: sockway.io/gateway-controller{"}"}
        """;

    public static string Gateway(string name = "web", string ns = "default", string className = "sockway") => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          gatewayClassName: {className}
          listeners:
          - {"{"}name: http, protocol: HTTP, port: 80{"}"}
        """;

    /// <summary>An HTTPRoute on <paramref name="gateway"/> sending PathPrefix <paramref name="path"/> to a Service port.</summary>
    public static string Route(string name, string path, string service, int port = 80, string ns = "default", string gateway = "web") => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          parentRefs: [{"{"}name: {gateway}{"}"}]
          rules:
          - matches: [{"{"}path: {"{"}type: PathPrefix, value: {path}{"}"}{"}"}]
            backendRefs: [{"{"}name: {service}, port: {port}{"}"}]
        """;

    /// <summary>A WebSocketPolicy on an HTTPRoute allowing one Origin.</summary>
    public static string Policy(string name, string route, string origin, string ns = "default") => $"""
        apiVersion: sockway.io/v1alpha1
        kind: WebSocketPolicy
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          targetRefs: [{"{"}group: gateway.networking.k8s.io, kind: HTTPRoute, name: {route}{"}"}]
          allowedOrigins: ["{origin}"]
          timeouts: {"{"}idle: 10m{"}"}
        """;
}
