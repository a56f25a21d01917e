using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Api;

/// <summary>The WebSocketPolicy CRD: its settings blocks are the WebSocketRoute CRD's, and its fields are the model's.</summary>
public sealed class WebSocketPolicyCrdTests
{
    private static V1CustomResourceDefinition Load(string file) =>
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "crds", file)));

    private static V1JSONSchemaProps Spec(V1CustomResourceDefinition crd) => crd.Spec.Versions.Single().Schema.OpenAPIV3Schema.Properties["spec"];

    [Theory]
    [InlineData("balancing")]
    [InlineData("timeouts")]
    [InlineData("limits")]
    [InlineData("allowedOrigins")]
    [InlineData("keepalive")]
    public void A_settings_block_is_the_WebSocketRoute_CRDs_own(string block)
    {
        var route = Spec(Load("sockway.io_websocketroutes.yaml")).Properties[block];
        var policy = Spec(Load("sockway.io_websocketpolicies.yaml")).Properties[block];

        Assert.Equal(KubernetesJson.Serialize(route), KubernetesJson.Serialize(policy));
    }

    [Fact]
    public void Crd_names_and_spec_fields_match_the_model()
    {
        var crd = Load("sockway.io_websocketpolicies.yaml");
        var entity = typeof(WebSocketPolicy).GetCustomAttribute<KubernetesEntityAttribute>()!;
        Assert.Equal((entity.Group, entity.Kind, entity.PluralName, entity.ApiVersion), (crd.Spec.Group, crd.Spec.Names.Kind, crd.Spec.Names.Plural, crd.Spec.Versions.Single().Name));
        Assert.NotNull(crd.Spec.Versions.Single().Subresources.Status);

        var model = typeof(WebSocketPolicySpec).GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name).Order(StringComparer.Ordinal);
        Assert.Equal(model, Spec(crd).Properties.Keys.Order(StringComparer.Ordinal));
        var target = typeof(PolicyTargetReference).GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name).Order(StringComparer.Ordinal);
        var items = KubernetesJson.Deserialize<V1JSONSchemaProps>(KubernetesJson.Serialize(Spec(crd).Properties["targetRefs"].Items));
        Assert.Equal(target, items.Properties.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Crd_installs_on_1_26_No_validation_rule_has_a_fieldPath() =>
        Assert.DoesNotContain("fieldPath:", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "crds", "sockway.io_websocketpolicies.yaml")), StringComparison.Ordinal);
}
