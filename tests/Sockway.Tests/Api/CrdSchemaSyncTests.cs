using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Translation;
using Sockway.Gateway.Configuration;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Api;

/// <summary>The CRD in deploy/crds and the C# model must describe the same fields, with the same types and defaults.</summary>
public sealed class CrdSchemaSyncTests
{
    private static readonly V1CustomResourceDefinition Crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "crds", "sockway.io_websocketroutes.yaml")));

    private static V1JSONSchemaProps Root => Crd.Spec.Versions.Single().Schema.OpenAPIV3Schema;

    [Fact]
    public void Crd_names_match_the_model()
    {
        var entity = typeof(WebSocketRoute).GetCustomAttribute<KubernetesEntityAttribute>()!;
        Assert.Equal(entity.Group, Crd.Spec.Group);
        Assert.Equal(entity.Kind, Crd.Spec.Names.Kind);
        Assert.Equal(entity.PluralName, Crd.Spec.Names.Plural);
        Assert.Equal(entity.ApiVersion, Crd.Spec.Versions.Single().Name);
        Assert.Equal("Namespaced", Crd.Spec.Scope);
        Assert.Equal(["wsr"], Crd.Spec.Names.ShortNames);
        Assert.NotNull(Crd.Spec.Versions.Single().Subresources.Status);
        Assert.Equal(["Hosts", "Path", "Backend", "Ready", "Endpoints", "Age"], Crd.Spec.Versions.Single().AdditionalPrinterColumns.Select(c => c.Name));
    }

    [Fact]
    public void Crd_installs_on_1_26_No_validation_rule_has_a_fieldPath()
    {
        // fieldPath is a 1.28 field: strict decoding on 1.26/1.27 rejects the whole CRD (the real-API-server lane runs 1.26).
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "crds", "sockway.io_websocketroutes.yaml"));
        Assert.DoesNotContain("fieldPath:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_schema_field_has_a_description_for_kubectl_explain()
    {
        var missing = new List<string>();
        void Walk(V1JSONSchemaProps schema, string path)
        {
            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
            {
                // metadata is ObjectMeta: the API server forbids describing it.
                if (string.IsNullOrWhiteSpace(property.Description) && path + name != "metadata")
                {
                    missing.Add(path + name);
                }

                Walk(property, $"{path}{name}.");
                if (property.Items is not null)
                {
                    Walk(KubernetesJson.Deserialize<V1JSONSchemaProps>(KubernetesJson.Serialize(property.Items)), $"{path}{name}[].");
                }
            }
        }

        Walk(Root, string.Empty);
        Assert.Empty(missing);
    }

    [Fact]
    public void Spec_schema_and_model_have_the_same_fields_both_ways() =>
        AssertSameShape("spec", Root.Properties["spec"], typeof(WebSocketRouteSpec));

    [Fact]
    public void Status_schema_and_model_have_the_same_fields_both_ways() =>
        AssertSameShape("status", Root.Properties["status"], typeof(WebSocketRouteStatus));

    [Fact]
    public void Enums_in_the_schema_are_the_values_the_translator_accepts()
    {
        var spec = Root.Properties["spec"];
        Assert.Equal(Enum.GetNames<PathMatchType>(), Strings(spec.Properties["pathType"].EnumProperty));
        Assert.Equal(Enum.GetNames<BalancingPolicy>(), Strings(spec.Properties["balancing"].Properties["policy"].EnumProperty));
        Assert.Equal(Enum.GetNames<HashKeySource>(), Strings(spec.Properties["balancing"].Properties["hashKey"].Properties["source"].EnumProperty));
    }

    [Fact]
    public void Schema_defaults_are_the_translator_defaults()
    {
        var spec = Root.Properties["spec"];
        var translated = Translator.Translate(new Sockway.Controller.Snapshots.ClusterSnapshot(
            [new WebSocketRoute { Metadata = new V1ObjectMeta { Name = "d", NamespaceProperty = "n" }, Spec = new WebSocketRouteSpec { Backend = new BackendRef { Service = new ServiceBackendRef { Name = "s", Port = 80 } } } }],
            [], [], [])).Config.Routes.Single();

        Assert.Equal(translated.Path, spec.Properties["path"].DefaultProperty?.ToString());
        Assert.Equal(translated.PathType.ToString(), spec.Properties["pathType"].DefaultProperty?.ToString());
        Assert.Equal(translated.Balancing.Policy.ToString(), spec.Properties["balancing"].Properties["policy"].DefaultProperty?.ToString());
        Assert.True(Duration.TryParse(spec.Properties["timeouts"].Properties["idle"].DefaultProperty?.ToString(), out var idle));
        Assert.Equal(translated.IdleTimeout, idle);
        Assert.True(Duration.TryParse(spec.Properties["timeouts"].Properties["connect"].DefaultProperty?.ToString(), out var connect));
        Assert.Equal(translated.ConnectTimeout, connect);
        Assert.True(Duration.TryParse(spec.Properties["timeouts"].Properties["handshake"].DefaultProperty?.ToString(), out var handshake));
        Assert.Equal(translated.HandshakeTimeout, handshake);
        Assert.Equal(translated.AllowPlainHttp.ToString().ToLowerInvariant(), spec.Properties["allowPlainHttp"].DefaultProperty?.ToString()?.ToLowerInvariant());
        Assert.True(Duration.TryParse(spec.Properties["timeouts"].Properties["drain"].DefaultProperty?.ToString(), out var drain));
        Assert.Equal(translated.DrainTimeout, drain);
        var balancing = spec.Properties["balancing"].Properties;
        Assert.True(Duration.TryParse(balancing["slowStart"].DefaultProperty?.ToString(), out var slowStart));
        Assert.Equal(translated.Balancing.SlowStart, slowStart);
        // Unset means strict affinity: the schema must not default it to a bound.
        Assert.Null(translated.Balancing.BoundedLoadPercent);
        Assert.Null(balancing["boundedLoadPercent"].DefaultProperty);
        Assert.Null(translated.Balancing.Rebalance);
        var rebalance = balancing["rebalance"].Properties;
        Assert.Equal("False", rebalance["enabled"].DefaultProperty?.ToString());
        Assert.Equal(RebalanceSettings.Default.ThresholdPercent.ToString(), rebalance["thresholdPercent"].DefaultProperty?.ToString());
        Assert.Equal(RebalanceSettings.Default.MaxClosesPercent.ToString(), rebalance["maxClosesPercent"].DefaultProperty?.ToString());
        Assert.True(Duration.TryParse(rebalance["interval"].DefaultProperty?.ToString(), out var interval));
        Assert.Equal(RebalanceSettings.Default.Interval, interval);
        var keepalive = spec.Properties["keepalive"].Properties;
        Assert.True(Duration.TryParse(keepalive["interval"].DefaultProperty?.ToString(), out var keepaliveInterval));
        Assert.Equal(translated.Keepalive.Interval, keepaliveInterval);
        Assert.True(Duration.TryParse(keepalive["timeout"].DefaultProperty?.ToString(), out var keepaliveTimeout));
        Assert.Equal(translated.Keepalive.Timeout, keepaliveTimeout);
        Assert.Equal(translated.Keepalive.CountsAsActivity.ToString(), keepalive["countsAsActivity"].DefaultProperty?.ToString());
        var limits = spec.Properties["limits"].Properties;
        Assert.Equal(translated.MessageLimits.MaxMessageBytes.ToString(), limits["maxMessageBytes"].DefaultProperty?.ToString());
        Assert.Null(translated.MessageLimits.MaxFrameBytes);
        Assert.Null(limits["maxFrameBytes"].DefaultProperty);
    }

    private static void AssertSameShape(string path, V1JSONSchemaProps schema, Type type)
    {
        var modelFields = JsonProperties(type).ToDictionary(p => p.Name, p => p.Type);
        var schemaFields = schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>();
        Assert.True(modelFields.Keys.Order().SequenceEqual(schemaFields.Keys.Order()),
            $"{path}: model has [{string.Join(", ", modelFields.Keys.Order())}], schema has [{string.Join(", ", schemaFields.Keys.Order())}]");
        foreach (var (name, fieldSchema) in schemaFields)
        {
            AssertSameType($"{path}.{name}", fieldSchema, modelFields[name]);
        }
    }

    private static void AssertSameType(string path, V1JSONSchemaProps schema, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(IntOrString))
        {
            Assert.True(schema.XKubernetesIntOrString == true, $"{path}: model is int-or-string, schema is not");
            return;
        }

        var expected = type switch
        {
            _ when type == typeof(string) => "string",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(DateTime) => "string",
            _ when type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) => "array",
            _ => "object",
        };
        Assert.True(expected == schema.Type, $"{path}: model type {type.Name} needs schema type '{expected}', schema says '{schema.Type}'");
        if (expected == "array")
        {
            AssertSameType(path + "[]", schema.Items is V1JSONSchemaProps items ? items : KubernetesJson.Deserialize<V1JSONSchemaProps>(KubernetesJson.Serialize(schema.Items)), type.GetGenericArguments().Single());
        }
        else if (expected == "object")
        {
            AssertSameShape(path, schema, type);
        }
    }

    private static IEnumerable<(string Name, Type Type)> JsonProperties(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
        .Where(p => p.Name is not null)
        .Select(p => (p.Name!, p.PropertyType));

    private static IEnumerable<string> Strings(IList<object> values) => values.Select(v => v.ToString()!);
}
