using Sockway.Controller.Hosting;
using Sockway.Controller.Hosting.Cli;
using Xunit;

namespace Sockway.Tests.Hosting;

/// <summary>The command line as an operator meets it: help, version, typos and bad values, with their exit codes.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_exits_0_with_usage_grouped_by_mode(string flag)
    {
        var (code, output, errors) = await SockwayProcess.RunAsync(flag);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(errors);
        var text = string.Join('\n', output);
        Assert.StartsWith("Usage: sockway [options]", text);
        foreach (var group in new[] { SwitchCatalog.Standalone, SwitchCatalog.Kubernetes, SwitchCatalog.Listeners, SwitchCatalog.Telemetry })
        {
            Assert.Contains(group + ":", text);
        }

        foreach (var name in SockwayApp.SwitchMappings.Keys)
        {
            Assert.Contains(name, text);
        }

        // Grouped: --routes sits under standalone mode, --kubeconfig under Kubernetes mode.
        Assert.True(text.IndexOf("--routes", StringComparison.Ordinal) < text.IndexOf(SwitchCatalog.Kubernetes, StringComparison.Ordinal));
        Assert.True(text.IndexOf("--kubeconfig", StringComparison.Ordinal) > text.IndexOf(SwitchCatalog.Kubernetes, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Version_exits_0_and_prints_the_version()
    {
        var (code, output, errors) = await SockwayProcess.RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(errors);
        Assert.Equal($"sockway {CommandLineHelp.Version}", Assert.Single(output));
    }

    [Fact]
    public async Task An_unknown_flag_exits_2_naming_it_without_starting()
    {
        var (code, output, errors) = await SockwayProcess.RunAsync("--bogus-flag", "1");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Contains(errors, e => e.Contains("'--bogus-flag'"));
        Assert.DoesNotContain(errors, e => e.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    // Each bad command line: exit 2, and the error names the switch (or token) at fault.
    [Theory]
    [InlineData("--route|/tmp", "'--route' (did you mean --routes?)")]
    [InlineData("--http-port|abc", "--http-port: 'abc' is not a port number")]
    [InlineData("--http-port|70000", "--http-port: '70000' is not a port number")]
    [InlineData("--management-port|-1", "--management-port")]
    [InlineData("--https-port|8443x", "--https-port: '8443x'")]
    [InlineData("--http-port|1|--http-port|2", "--http-port")]
    [InlineData("--bind-address|localhost", "--bind-address: 'localhost' is not an IP address")]
    [InlineData("--api-server|ftp://x", "--api-server: 'ftp://x' is not an http(s) URL")]
    [InlineData("--leader-elect|yes", "--leader-elect: 'yes' is not true or false")]
    [InlineData("--use-endpoints-v1=maybe", "--use-endpoints-v1: 'maybe'")]
    [InlineData("--log-format|xml", "--log-format: 'xml' is not one of text, json")]
    [InlineData("--log-level|loud", "--log-level: 'loud'")]
    [InlineData("--routes", "--routes")]
    [InlineData("--routes=", "--routes")]
    [InlineData("routes", "'routes'")]
    [InlineData("@args.rsp", "'@args.rsp'")]
    [InlineData("--Sockway:Listeners:HttpPort", "--Sockway:Listeners:HttpPort: needs a value")]
    [InlineData("--Sockway::HttpPort=1", "--Sockway::HttpPort: is not a configuration key")]
    [InlineData("--version|--bogus", "--version takes no other arguments")]
    [InlineData("-x", "'-x'")]
    [InlineData("--verbose=sure", "--verbose")]
    public async Task A_bad_command_line_exits_2_naming_the_option(string args, string expected)
    {
        var error = new StringWriter();

        var code = await SockwayCli.RunAsync(args.Split('|'), TextWriter.Null, error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, error.ToString());
        Assert.EndsWith("Run 'sockway --help' for usage." + Environment.NewLine, error.ToString());
    }

    // The names the Helm chart, the demo and the tests pass keep working, in both spellings, and set their keys.
    [Theory]
    [InlineData("--http-port=8081", "--Sockway:Listeners:HttpPort=8081")]
    [InlineData("--http-port|8081", "--Sockway:Listeners:HttpPort=8081")]
    [InlineData("--https-port=8443", "--Sockway:Listeners:HttpsPort=8443")]
    [InlineData("--management-port=9091", "--Sockway:Listeners:ManagementPort=9091")]
    [InlineData("--route-class=internal", "--Sockway:RouteClassName=internal")]
    [InlineData("--namespaces=a,b", "--Sockway:Kubernetes:Namespaces=a,b")]
    [InlineData("--routes|examples/demo/routes", "--Sockway:Standalone:Directory=examples/demo/routes")]
    [InlineData("--leader-elect", "--Sockway:LeaderElection:Enabled=true")]
    [InlineData("--leader-elect|false", "--Sockway:LeaderElection:Enabled=false")]
    [InlineData("--log-format|json", "--Logging:Console:FormatterName=json")]
    [InlineData("--otel-console", "--Sockway:Telemetry:ConsoleExporter=true")]
    [InlineData("--Sockway:Drain:ShutdownWindow|00:00:05", "--Sockway:Drain:ShutdownWindow=00:00:05")]
    [InlineData("--Logging:LogLevel:Default=Debug", "--Logging:LogLevel:Default=Debug")]
    public void Switches_and_configuration_keys_become_configuration(string args, string expected)
    {
        var run = Assert.IsType<CommandLineRequest.Run>(SockwayCommandLine.Parse(args.Split('|')));

        Assert.Contains(expected, run.ConfigurationArgs);
    }

    [Fact]
    public void Every_switch_has_help_and_a_checked_value()
    {
        foreach (var name in SockwayApp.SwitchMappings.Keys)
        {
            Assert.True(SwitchCatalog.Help.ContainsKey(name), $"{name} has no entry in SwitchCatalog.Help");
        }

        Assert.Empty(SwitchCatalog.Help.Keys.Except(SockwayApp.SwitchMappings.Keys));
    }

    // Bounded fuzz: random command lines from switch names, good and bad values and garbage never throw; each
    // answer is either a run with only well-formed configuration arguments or errors that say what is wrong.
    [Fact]
    public void Random_command_lines_parse_to_a_run_or_named_errors()
    {
        string[] tokens = [.. SockwayApp.SwitchMappings.Keys, "--help", "--version", "--verbose", "-h", "--", "-", "--=", "--a:b", "--a:b=c",
            "8080", "0", "-1", "65536", "abc", "", " ", "true", "no", "127.0.0.1", "::1", "http://127.0.0.1:8001", "/tmp", "@x", "--x=y=z", "ü", "\0", "a:b"];
        var random = new Random(14);
        for (var i = 0; i < 3000; i++)
        {
            var args = Enumerable.Range(0, random.Next(0, 7)).Select(_ => tokens[random.Next(tokens.Length)]).ToArray();

            var request = SockwayCommandLine.Parse(args);

            switch (request)
            {
                case CommandLineRequest.Run run:
                    Assert.All(run.ConfigurationArgs, a => Assert.Matches("^--[^=:]+(:[^=:]+)*=", a));
                    break;
                case CommandLineRequest.Invalid invalid:
                    Assert.NotEmpty(invalid.Errors);
                    Assert.All(invalid.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e)));
                    break;
            }
        }
    }
}
