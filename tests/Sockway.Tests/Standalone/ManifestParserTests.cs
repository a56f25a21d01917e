using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Sources.Files;
using Xunit;

namespace Sockway.Tests.Standalone;

/// <summary>Standalone manifests: what a user gets told about a broken file, down to the field and the line.</summary>
public sealed class ManifestParserTests
{
    private const string File = """
        # demo
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: demo}
        spec:
          ports: [{name: http, port: 80}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: echo}
        spec: {replicas: 2}
        ---
        apiVersion: sockway.io/v1alpha1
        kind: WebSocketRoute
        metadata:
          name: chat
          namespace: demo
        spec:
          path: /chat
          backend:
            service: {name: echo, port: http}
          timeouts:
            connect: 2s
            idle: soon
        """;

    [Fact]
    public void A_schema_error_names_file_object_field_and_line()
    {
        var parsed = ManifestParser.Parse("routes.yaml", File);

        var error = Assert.Single(parsed.Errors);
        Assert.Equal("WebSocketRoute demo/chat", error.Object);
        Assert.Equal("spec.timeouts.idle", error.Field);
        Assert.Equal(24, error.Line);
        Assert.StartsWith("routes.yaml:24: WebSocketRoute demo/chat: field 'spec.timeouts.idle':", error.ToString());
        // The good documents still parse; other kinds are not Sockway's business.
        Assert.Single(parsed.Objects);
    }

    [Fact]
    public void A_wrong_type_is_reported_at_its_line_with_its_field()
    {
        var parsed = ManifestParser.Parse("routes.yaml", File.Replace("connect: 2s", "connect: [2s]"));

        var error = Assert.Single(parsed.Errors);
        Assert.Equal("spec.timeouts.connect", error.Field);
        Assert.Equal(23, error.Line);
    }

    [Fact]
    public void An_unknown_field_is_an_error_not_silently_ignored()
    {
        var parsed = ManifestParser.Parse("routes.yaml", File.Replace("path: /chat", "paht: /chat"));

        var error = Assert.Single(parsed.Errors);
        Assert.Contains("paht", error.Problem);
        Assert.Equal("WebSocketRoute demo/chat", error.Object);
    }

    [Fact]
    public void A_valid_file_yields_typed_objects()
    {
        var parsed = ManifestParser.Parse("routes.yaml", File.Replace("idle: soon", "idle: 30m"));

        Assert.Empty(parsed.Errors);
        var route = Assert.Single(parsed.Objects.OfType<WebSocketRoute>());
        Assert.Equal("http", route.Spec.Backend!.Service!.Port!.Value);
        Assert.Single(parsed.Objects.OfType<k8s.Models.V1Service>());
    }

    [Theory]
    [InlineData("spec.timeouts.idle", 6)]
    [InlineData("spec.backend.service.port", 4)]
    [InlineData("metadata.name", 2)]
    public void Field_paths_and_lines_map_both_ways(string field, int line)
    {
        const string doc = "metadata:\n  name: x\nspec:\n  backend: {service: {name: a, port: 80}}\n  timeouts:\n    idle: 1h\n";

        Assert.Equal(line, YamlFieldPath.LineOf(doc, field));
        if (!field.Contains("backend", StringComparison.Ordinal))
        {
            Assert.Equal(field, YamlFieldPath.At(doc, line));
        }
    }
}
