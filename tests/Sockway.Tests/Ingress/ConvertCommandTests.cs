using System.Diagnostics;
using Sockway.Controller.Conversion;
using Sockway.Controller.Hosting;
using Sockway.Controller.Sources.Files;
using Sockway.Tests.Corpus;
using Sockway.Tests.Hosting;
using Xunit;

namespace Sockway.Tests.Ingress;

/// <summary>
/// `sockway convert` as a user runs it: the real executable, a file or standard input, converted output on stdout,
/// the annotation report on stderr; bad arguments exit 2, bad input exits 3 with nothing on stdout.
/// </summary>
public sealed class ConvertCommandTests
{
    private static readonly string Example = Path.Combine(IngressExamples.Folder, "sticky-game-server.yaml");

    [Fact]
    public async Task Converts_a_file_to_websocketroutes_and_reports_every_annotation()
    {
        var (code, output, errors) = await SockwayProcess.RunAsync("convert", Example);

        Assert.Equal(ExitCodes.Ok, code);
        var parsed = ManifestParser.Parse("out.yaml", string.Join('\n', output));
        Assert.Empty(parsed.Errors);
        Assert.Equal(["game-0-0", "game-0-1"], parsed.Objects.OfType<Sockway.Controller.Api.V1Alpha1.WebSocketRoute>().Select(r => r.Metadata.Name));
        var report = string.Join('\n', errors);
        Assert.Contains("nginx.ingress.kubernetes.io/affinity: approximated:", report);
        Assert.Contains("nginx.ingress.kubernetes.io/session-cookie-max-age: dropped:", report);
        Assert.Contains("nginx.ingress.kubernetes.io/proxy-body-size: mapped:", report);
    }

    [Fact]
    public async Task Converts_standard_input_to_httproutes_and_policies()
    {
        using var input = new StringReader(File.ReadAllText(Path.Combine(IngressExamples.Folder, "hash-by-tenant.yaml")));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await SockwayCli.RunAsync(["convert", "-", "--to", "gateway-api", "--gateway", "infra/public"], output, error, input);

        Assert.Equal(ExitCodes.Ok, code);
        var text = output.ToString();
        Assert.Contains("kind: HTTPRoute", text);
        Assert.Contains("apiVersion: gateway.networking.k8s.io/v1", text);
        Assert.Contains("kind: WebSocketPolicy", text);
        Assert.Contains("type: PathPrefix", text);
        Assert.Contains("namespace: infra", text);
        Assert.Contains("configuration-snippet: dropped", error.ToString());
    }

    [Theory]
    [InlineData("convert")]
    [InlineData("convert", "a.yaml", "b.yaml")]
    [InlineData("convert", "a.yaml", "--to", "yaml")]
    [InlineData("convert", "a.yaml", "--to", "gateway-api")]
    [InlineData("convert", "a.yaml", "--gateway", "infra/public")]
    [InlineData("convert", "a.yaml", "--to", "gateway-api", "--gateway", "no-slash")]
    [InlineData("convert", "a.yaml", "--bogus")]
    public async Task Bad_arguments_exit_2_with_a_message(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await SockwayCli.RunAsync(args, output, error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output.ToString());
        Assert.Contains("sockway: convert", error.ToString());
    }

    [Theory]
    [InlineData("no Ingress", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n", "no networking.k8s.io/v1 Ingress found")]
    [InlineData("bad YAML", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a\n", "(stdin)")]
    [InlineData("bad field", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  rules:\n  - host: a.test\n    http:\n      paths:\n      - {path: x, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}\n", "spec.rules[0].http.paths[0].path")]
    [InlineData("bad annotation", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: a\n  annotations: {nginx.ingress.kubernetes.io/proxy-read-timeout: soon}\nspec:\n  defaultBackend: {service: {name: s, port: {number: 80}}}\n", "nginx.ingress.kubernetes.io/proxy-read-timeout")]
    [InlineData("one good, one bad", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: good}\nspec:\n  defaultBackend: {service: {name: s, port: {number: 80}}}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad}\nspec:\n  defaultBackend: {resource: {kind: Bucket, name: b}}\n", "(stdin):7: Ingress default/bad: spec.defaultBackend.resource")]
    [InlineData("binary", "\0\0\0", "binary data")]
    public async Task Bad_input_exits_3_naming_the_problem_with_nothing_on_stdout(string name, string yaml, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await SockwayCli.RunAsync(["convert", "-"], output, error, new StringReader(yaml));

        Assert.True(code == ExitCodes.Configuration, name);
        Assert.Empty(output.ToString());
        Assert.Contains(expected, error.ToString());
        Assert.Contains("nothing written", error.ToString());
    }

    [Fact]
    public async Task A_missing_file_exits_3()
    {
        var (code, output, errors) = await SockwayProcess.RunAsync("convert", Path.Combine(Path.GetTempPath(), "no-such-ingress.yaml"));

        Assert.Equal(ExitCodes.Configuration, code);
        Assert.Empty(output);
        Assert.Contains(errors, e => e.Contains("cannot read", StringComparison.Ordinal));
    }

    /// <summary>Whatever the input, convert never throws, writes nothing when it fails, and what it writes is always valid.</summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Mutated_ingresses_never_make_convert_throw_or_write_invalid_routes(int seed)
    {
        var random = new Random(seed);
        var inputs = ManifestFuzzTests.ValidInputs().Concat(IngressExamples.Files().Select(IngressExamples.Read)).Where(t => t.Contains("kind: Ingress", StringComparison.Ordinal)).ToList();
        var watch = Stopwatch.StartNew();
        var done = 0;
        for (; done < 400 && watch.Elapsed < TimeSpan.FromSeconds(10); done++)
        {
            var mutated = ManifestFuzzTests.Mutate(inputs[random.Next(inputs.Count)], random);
            foreach (var options in new[] { new ConversionOptions(), new ConversionOptions(ConversionTarget.GatewayApi, ("infra", "gw")) })
            {
                var result = IngressConverter.Convert("fuzz.yaml", mutated, options);
                if (!result.Succeeded)
                {
                    Assert.Empty(result.Output);
                }
                else if (options.Target == ConversionTarget.WebSocketRoute)
                {
                    var reparsed = ManifestParser.Parse("out.yaml", result.Output);
                    Assert.True(reparsed.Errors.Count == 0, $"seed {seed}, mutation {done}: converted output is invalid: {string.Join("; ", reparsed.Errors)}\n--- input ---\n{mutated}");
                }
            }
        }

        Assert.True(done >= 25, $"only {done} mutations ran");
    }
}
