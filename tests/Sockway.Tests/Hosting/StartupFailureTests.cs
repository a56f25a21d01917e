using System.Net;
using System.Net.Sockets;
using Sockway.Controller.Hosting;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Hosting;

/// <summary>
/// A start-up that cannot succeed ends with one line that says what to do and a documented exit code; the stack trace
/// only with --verbose.
/// </summary>
public sealed class StartupFailureTests
{
    private static readonly string[] Loopback = ["--bind-address", "127.0.0.1", "--http-port", "0", "--management-port", "0", "--Sockway:Telemetry:MeterName", "Sockway.Test.Cli"];

    [Fact]
    public async Task A_port_in_use_exits_4_with_one_line_naming_the_address()
    {
        using var routes = new RouteDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, errors) = await SockwayProcess.RunAsync("--routes", routes.Path, "--bind-address", "127.0.0.1", "--http-port", port.ToString(), "--management-port", "0");

        Assert.Equal(ExitCodes.Listen, code);
        var line = Assert.Single(errors);
        Assert.Contains($"127.0.0.1:{port}: address already in use", line);
        Assert.Contains("--http-port", line);
    }

    [Fact]
    public async Task A_missing_routes_directory_exits_3_with_one_line()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sockway-missing-" + Guid.NewGuid().ToString("N"));

        var (code, errors) = await RunInProcessAsync("--routes", missing);

        Assert.Equal(ExitCodes.Configuration, code);
        Assert.Contains(missing, Assert.Single(errors));
    }

    [Fact]
    public async Task A_routes_path_that_is_a_file_exits_3()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (code, errors) = await RunInProcessAsync("--routes", file);

            Assert.Equal(ExitCodes.Configuration, code);
            Assert.Contains(file, Assert.Single(errors));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_missing_kubeconfig_exits_5_saying_what_to_do()
    {
        var (code, errors) = await RunInProcessAsync("--kubeconfig", "/nonexistent/kubeconfig");

        Assert.Equal(ExitCodes.Kubernetes, code);
        var line = Assert.Single(errors);
        Assert.Contains("/nonexistent/kubeconfig", line);
        Assert.Contains("--routes", line);
    }

    [Fact]
    public async Task A_kubeconfig_that_is_not_yaml_exits_5()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "{ this is: [not a kubeconfig");
        try
        {
            var (code, errors) = await RunInProcessAsync("--kubeconfig", file);

            Assert.Equal(ExitCodes.Kubernetes, code);
            Assert.Single(errors);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("--Sockway:Listeners:HttpPort=abc", "Sockway:Listeners:HttpPort")]
    [InlineData("--Sockway:Listeners:ManagementPort=70000", "ManagementPort")]
    [InlineData("--Sockway:RouteClassName=Not_A_Class", "RouteClassName")]
    public async Task An_invalid_configuration_value_exits_3_naming_the_key(string arg, string key)
    {
        using var routes = new RouteDirectory();

        var (code, errors) = await RunInProcessAsync("--routes", routes.Path, arg);

        Assert.Equal(ExitCodes.Configuration, code);
        Assert.Contains(key, Assert.Single(errors));
    }

    [Fact]
    public async Task Verbose_adds_the_stack_trace()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sockway-missing-" + Guid.NewGuid().ToString("N"));

        var (quietCode, quiet) = await RunInProcessAsync("--routes", missing);
        var (verboseCode, verbose) = await RunInProcessAsync("--routes", missing, "--verbose");

        Assert.Equal(quietCode, verboseCode);
        Assert.DoesNotContain(quiet, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.Contains(verbose, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private static async Task<(int Code, List<string> Errors)> RunInProcessAsync(params string[] args)
    {
        var error = new StringWriter();
        var code = await SockwayCli.RunAsync([.. Loopback, .. args], TextWriter.Null, error).WaitAsync(TimeSpan.FromSeconds(60));
        return (code, error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).ToList());
    }
}
