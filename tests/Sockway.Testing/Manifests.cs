using System.Text;

namespace Sockway.Testing;

/// <summary>Builds the YAML a user would write, so tests read like the manifests they exercise.</summary>
public static class Manifests
{
    public static string Route(string name, string path, string service, string port = "http", string ns = "default", string? extraSpec = null, string? hosts = null) => $"""
        apiVersion: sockway.io/v1alpha1
        kind: WebSocketRoute
        metadata:
          name: {name}
          namespace: {ns}
        spec:
        {(hosts is null ? string.Empty : $"  hosts: [{hosts}]\n")}  path: {path}
          backend:
            service:
              name: {service}
              port: {port}
        {Indent(extraSpec)}
        """;

    public static string Service(string name, string ns = "default", string portName = "http", int port = 80) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          ports:
            - name: {portName}
              port: {port}
        """;

    /// <summary>One EndpointSlice per backend port (slices carry one port set), all addresses 127.0.0.1.</summary>
    public static string Slices(string service, IEnumerable<int> ports, string ns = "default", string portName = "http", bool ready = true)
    {
        var text = new StringBuilder();
        foreach (var port in ports)
        {
            text.Append('\n').Append($"""
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: {service}-{port}
                  namespace: {ns}
                  labels:
                    kubernetes.io/service-name: {service}
                addressType: IPv4
                ports:
                  - name: {portName}
                    port: {port}
                endpoints:
                  - addresses: ["127.0.0.1"]
                    conditions:
                      ready: {(ready ? "true" : "false")}

                """);
        }

        return text.ToString();
    }

    public static string Join(params string[] documents) => string.Join("\n---\n", documents);

    private static string Indent(string? spec) =>
        spec is null ? string.Empty : string.Join('\n', spec.Trim('\n').Split('\n').Select(l => "  " + l));
}
