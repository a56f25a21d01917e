namespace Sockway.Controller.Hosting.Cli;

/// <summary>How --help shows a switch, and what its value must be.</summary>
public sealed record SwitchHelp(string Group, SwitchKind Kind, string Description);

/// <summary>
/// Help for the switches in <see cref="SockwayApp.SwitchMappings"/>. A switch added there without an entry here still
/// parses (as text, under "Other"); an entry here makes it checked and grouped.
/// </summary>
public static class SwitchCatalog
{
    public const string Standalone = "Standalone mode (routes from a directory of manifests)";
    public const string Kubernetes = "Kubernetes mode (the default without --routes)";
    public const string Routes = "Routes (both modes)";
    public const string Listeners = "Listeners";
    public const string Telemetry = "Logging and telemetry";
    public const string Other = "Other";

    public static readonly IReadOnlyList<string> GroupOrder = [Standalone, Kubernetes, Routes, Listeners, Telemetry, Other];

    public static readonly IReadOnlyDictionary<string, SwitchHelp> Help = new Dictionary<string, SwitchHelp>(StringComparer.Ordinal)
    {
        ["--routes"] = new(Standalone, SwitchKind.Path, "Serve the WebSocketRoute/Service/EndpointSlice manifests in this directory (re-read on change)."),
        ["--kubeconfig"] = new(Kubernetes, SwitchKind.Path, "Kubeconfig file (default: KUBECONFIG, the pod's service account, ~/.kube/config)."),
        ["--context"] = new(Kubernetes, SwitchKind.Text, "Kubeconfig context (default: the file's current context)."),
        ["--api-server"] = new(Kubernetes, SwitchKind.Url, "API server URL used without credentials, e.g. kubectl proxy's http://127.0.0.1:8001."),
        ["--namespaces"] = new(Kubernetes, SwitchKind.Text, "Comma-separated namespaces to watch (default: all)."),
        ["--use-endpoints-v1"] = new(Kubernetes, SwitchKind.Flag, "Read v1 Endpoints instead of EndpointSlices."),
        ["--ingress-status-address"] = new(Kubernetes, SwitchKind.Text, "IPs/host names served Ingresses show in status.loadBalancer."),
        ["--ingress-status-service"] = new(Kubernetes, SwitchKind.Text, "namespace/name of a Service whose load balancer address Ingresses show."),
        ["--leader-elect"] = new(Kubernetes, SwitchKind.Flag, "Elect one replica to write route status (default: true)."),
        ["--lease-name"] = new(Kubernetes, SwitchKind.Text, "Lease for leader election (default: sockway-<route class>)."),
        ["--lease-namespace"] = new(Kubernetes, SwitchKind.Text, "Namespace of the Lease (default: the pod's namespace)."),
        ["--status-qps"] = new(Kubernetes, SwitchKind.PositiveNumber, "Route status patches per second, as client-go's QPS (default: 200)."),
        ["--status-burst"] = new(Kubernetes, SwitchKind.PositiveInteger, "Status patches allowed at once after a quiet period, as client-go's burst (default: 400)."),
        ["--route-class"] = new(Routes, SwitchKind.Text, "Serve only routes of this class (default: sockway)."),
        ["--bind-address"] = new(Listeners, SwitchKind.Address, "Address every listener binds (default: 0.0.0.0)."),
        ["--http-port"] = new(Listeners, SwitchKind.Port, "Plain HTTP / ws:// port (default: 8080; 0 picks a free port)."),
        ["--https-port"] = new(Listeners, SwitchKind.Port, "HTTPS / wss:// port, certificates from routes' tls.secretName (default: off)."),
        ["--management-port"] = new(Listeners, SwitchKind.Port, "Health, readiness, /api/routes and /metrics port (default: 9090)."),
        ["--trusted-proxies"] = new(Listeners, SwitchKind.Cidrs, "Comma-separated CIDRs or addresses whose X-Forwarded-* headers are believed (default: none)."),
        ["--proxy-protocol"] = new(Listeners, SwitchKind.Cidrs, "Read a PROXY protocol v1/v2 header first on the HTTP and HTTPS ports, from these CIDRs only; others are closed (default: off)."),
        ["--log-format"] = new(Telemetry, SwitchKind.OneOf("text|json", "text", "json"), "Console log format: text (one line per entry) or json (one object per line)."),
        ["--log-level"] = new(Telemetry, SwitchKind.OneOf("level", "Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"), "Minimum level of Sockway's own logs: Trace, Debug, Information (default), Warning, Error."),
        ["--otel-console"] = new(Telemetry, SwitchKind.Flag, "Print finished spans to stdout (same as OTEL_TRACES_EXPORTER=console)."),
    };

    public static SwitchHelp For(string name, string configurationKey) =>
        Help.GetValueOrDefault(name) ?? new SwitchHelp(Other, SwitchKind.Text, $"Sets {configurationKey}.");
}
