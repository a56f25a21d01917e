using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using k8s;
using k8s.Models;
using Sockway.Testing;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// A real etcd + kube-apiserver on loopback, as controller-runtime's envtest starts them: the binaries come from
/// KUBEBUILDER_ASSETS (etcd from there or PATH), ports are free ones, RBAC is on and the admin is a static token
/// in system:masters. <see cref="KubeconfigPath"/> is a kubeconfig file for that admin, for any tool or test to reuse
/// (e.g. `kubectl --kubeconfig`, a server-side dry-run). The API server can be stopped and started again on the
/// same port and etcd, to act out an outage.
/// </summary>
public sealed class EnvTestApiServer : IAsyncDisposable
{
    private const string AdminToken = "envtest-admin-token";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _dir;
    private readonly string _apiServerBinary;
    private readonly string _etcdBinary;
    private readonly int _etcdPort;
    private Process? _etcd;
    private Process? _apiServer;

    private EnvTestApiServer(string dir, string apiServerBinary, string etcdBinary)
    {
        _dir = dir;
        _apiServerBinary = apiServerBinary;
        _etcdBinary = etcdBinary;
        _etcdPort = FreePort();
        Port = FreePort();
        KubeconfigPath = Path.Combine(dir, "kubeconfig.yaml");
    }

    public int Port { get; }

    /// <summary>The API server's audit log (JSON lines, every request at Metadata level): who called what, and the answer.</summary>
    public string AuditLogPath => Path.Combine(_dir, "audit.log");

    public Uri Url => new($"https://127.0.0.1:{Port}");

    /// <summary>A kubeconfig (context "envtest") with the admin token; the serving certificate is self-signed, so TLS is not verified.</summary>
    public string KubeconfigPath { get; }

    /// <summary>A client with the admin identity (system:masters).</summary>
    public IKubernetes Admin { get; private set; } = null!;

    /// <summary>Why the lane cannot run here (null when it can): what is missing and how to get it.</summary>
    public static string? WhyUnavailable()
    {
        var assets = Environment.GetEnvironmentVariable("KUBEBUILDER_ASSETS");
        const string how = "set KUBEBUILDER_ASSETS to a folder holding kube-apiserver (and etcd, or etcd on PATH), e.g. " +
            "KUBEBUILDER_ASSETS=$(setup-envtest use -p path 1.26.x), or run scripts/test.sh, which uses ../shared/envtest/bin and installs Debian's etcd-server";
        if (string.IsNullOrEmpty(assets))
        {
            return $"real-API-server lane skipped: KUBEBUILDER_ASSETS is not set; {how}";
        }

        if (!File.Exists(Path.Combine(assets, "kube-apiserver")))
        {
            return $"real-API-server lane skipped: {assets}/kube-apiserver does not exist; {how}";
        }

        return FindEtcd(assets) is null ? $"real-API-server lane skipped: no etcd in {assets} or on PATH; {how}" : null;
    }

    public static async Task<EnvTestApiServer> StartAsync()
    {
        var assets = Environment.GetEnvironmentVariable("KUBEBUILDER_ASSETS")!;
        var dir = Directory.CreateTempSubdirectory("sockway-envtest-").FullName;
        var server = new EnvTestApiServer(dir, Path.Combine(assets, "kube-apiserver"), FindEtcd(assets)!);
        try
        {
            await server.WriteCredentialsAsync();
            await server.StartEtcdAsync();
            await server.StartApiServerAsync();
            server.Admin = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A kubeconfig file for another identity (a ServiceAccount token), written next to the admin's.</summary>
    public async Task<string> WriteKubeconfigAsync(string name, string token)
    {
        var path = Path.Combine(_dir, $"kubeconfig-{name}.yaml");
        await File.WriteAllTextAsync(path, Kubeconfig(token));
        return path;
    }

    /// <summary>Starts kube-apiserver (again) on the same port and etcd, and waits until /readyz answers ok.</summary>
    public async Task StartApiServerAsync()
    {
        string[] args =
        [
            $"--etcd-servers=http://127.0.0.1:{_etcdPort}", "--bind-address=127.0.0.1", $"--secure-port={Port}",
            "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none", $"--cert-dir={_dir}/certs",
            $"--token-auth-file={_dir}/tokens.csv", "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            $"--service-account-key-file={_dir}/sa.pub", $"--service-account-signing-key-file={_dir}/sa.key",
            "--service-cluster-ip-range=10.96.0.0/16", "--enable-priority-and-fairness=false",
            $"--audit-policy-file={_dir}/audit-policy.yaml", $"--audit-log-path={AuditLogPath}", "--audit-log-format=json",
        ];
        _apiServer = Launch(_apiServerBinary, args, "kube-apiserver");
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };
        http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        await WaitAsync(_apiServer, "kube-apiserver", async () => await http.GetStringAsync(new Uri(Url, "/readyz")) == "ok");
    }

    /// <summary>Kills kube-apiserver (etcd keeps the data) and waits until its port is closed.</summary>
    public async Task StopApiServerAsync()
    {
        if (_apiServer is { } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
            _apiServer = null;
        }
    }

    /// <summary>Installs the repository's CRDs (as the lane does on this 1.26 server) and waits until each is Established.</summary>
    public async Task InstallCrdsAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "deploy", "crds"), "*.yaml"))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
            await Admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, fieldValidation: "Strict");
            await Eventually.SucceedsAsync(async () =>
            {
                var current = await Admin.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
                if (!(current.Status?.Conditions ?? []).Any(c => c.Type == "Established" && c.Status == "True"))
                {
                    throw new InvalidOperationException($"{crd.Metadata.Name} is not Established yet");
                }
            }, TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>The upstream Gateway API CRDs (../shared/gateway-api/crds from the repository root), or why they are absent.</summary>
    public static (string? Directory, string? Absent) GatewayApiCrds()
    {
        var dir = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "gateway-api", "crds"));
        return Directory.Exists(dir) && Directory.GetFiles(dir, "*.yaml").Length > 0
            ? (dir, null)
            : (null, $"the Gateway API v1.6.1 standard CRDs are not at {dir} (../shared/gateway-api/crds from the repository root)");
    }

    private readonly SemaphoreSlim _gatewayApiInstall = new(1, 1);
    private bool _gatewayApiInstalled;

    /// <summary>Installs the Gateway API CRDs once per server (the first test that needs them), each Established before it returns.</summary>
    public async Task InstallGatewayApiCrdsAsync(string directory)
    {
        await _gatewayApiInstall.WaitAsync();
        try
        {
            if (_gatewayApiInstalled)
            {
                return;
            }

            foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
            {
                var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
                await Admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
                await Eventually.SucceedsAsync(async () =>
                {
                    var current = await Admin.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
                    if (!(current.Status?.Conditions ?? []).Any(c => c.Type == "Established" && c.Status == "True"))
                    {
                        throw new InvalidOperationException($"{crd.Metadata.Name} is not Established yet");
                    }
                }, TimeSpan.FromSeconds(30));
            }

            _gatewayApiInstalled = true;
        }
        finally
        {
            _gatewayApiInstall.Release();
        }
    }

    /// <summary>Requests <paramref name="user"/> made, as the audit log recorded them (once answered; a watch once its response started).</summary>
    public IReadOnlyList<AuditedRequest> AuditedRequests(string user)
    {
        using var stream = new FileStream(AuditLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var requests = new List<AuditedRequest>();
        while (reader.ReadLine() is { } line)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var root = json.RootElement;
            // A watch is long-running: it is audited when its response starts (and again when it ends).
            var stage = root.GetProperty("stage").GetString();
            var answered = stage == "ResponseComplete" || (stage == "ResponseStarted" && root.GetProperty("verb").GetString() == "watch");
            if (!answered || root.GetProperty("user").GetProperty("username").GetString() != user)
            {
                continue;
            }

            var code = root.TryGetProperty("responseStatus", out var status) && status.TryGetProperty("code", out var c) ? c.GetInt32() : 0;
            requests.Add(new AuditedRequest(root.GetProperty("verb").GetString()!, root.GetProperty("requestURI").GetString()!, code));
        }

        return requests;
    }

    /// <summary>The last lines of a process's log (for a failure message).</summary>
    public string LogTail(string component, int lines = 20)
    {
        var path = Path.Combine(_dir, $"{component}.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        Admin?.Dispose();
        await StopApiServerAsync();
        if (_etcd is { } etcd)
        {
            etcd.Kill(entireProcessTree: true);
            await etcd.WaitForExitAsync();
            etcd.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WriteCredentialsAsync()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "certs"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "tokens.csv"), $"{AdminToken},admin,admin-uid,system:masters\n");
        using var rsa = RSA.Create(2048);
        await File.WriteAllTextAsync(Path.Combine(_dir, "sa.key"), rsa.ExportRSAPrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "sa.pub"), rsa.ExportSubjectPublicKeyInfoPem());
        await File.WriteAllTextAsync(KubeconfigPath, Kubeconfig(AdminToken));
        await File.WriteAllTextAsync(Path.Combine(_dir, "audit-policy.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n");
    }

    private async Task StartEtcdAsync()
    {
        var peer = FreePort();
        var metrics = FreePort();
        string[] args =
        [
            "--data-dir", Path.Combine(_dir, "etcd"),
            "--listen-client-urls", $"http://127.0.0.1:{_etcdPort}", "--advertise-client-urls", $"http://127.0.0.1:{_etcdPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"default=http://127.0.0.1:{peer}", "--listen-metrics-urls", $"http://127.0.0.1:{metrics}",
        ];
        _etcd = Launch(_etcdBinary, args, "etcd");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitAsync(_etcd, "etcd", async () => (await http.GetStringAsync($"http://127.0.0.1:{_etcdPort}/health")).Contains("true", StringComparison.Ordinal));
    }

    private Process Launch(string binary, string[] args, string component)
    {
        var log = Path.Combine(_dir, $"{component}.log");
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {binary}");
        var writer = TextWriter.Synchronized(new StreamWriter(log, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => WriteLine(writer, e.Data);
        process.ErrorDataReceived += (_, e) => WriteLine(writer, e.Data);
        process.Exited += (_, _) => writer.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WriteLine(TextWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }

        try
        {
            writer.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task WaitAsync(Process process, string component, Func<Task<bool>> ready)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{component} exited with code {process.ExitCode}:\n{LogTail(component)}");
            }

            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{component} was not ready within {StartTimeout.TotalSeconds} s:\n{LogTail(component)}");
    }

    private string Kubeconfig(string token) => $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: envtest
            cluster:
              server: {Url.ToString().TrimEnd('/')}
              insecure-skip-tls-verify: true
        users:
          - name: user
            user:
              token: {token}
        contexts:
          - name: envtest
            context:
              cluster: envtest
              user: user
        current-context: envtest
        """;

    private static string? FindEtcd(string assets)
    {
        var local = Path.Combine(assets, "etcd");
        if (File.Exists(local))
        {
            return local;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "etcd")).FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One request from the API server's audit log.</summary>
public sealed record AuditedRequest(string Verb, string Uri, int Code)
{
    public override string ToString() => $"{Code} {Verb} {Uri}";
}
