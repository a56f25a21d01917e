using k8s;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Sources.Files;
using Sockway.Testing;

namespace Sockway.Tests.Corpus;

/// <summary>The good route every corpus case is dropped next to, and the snapshot of both as the directory source builds it.</summary>
public static class CorpusSnapshot
{
    public const string GoodFile = "good.yaml";
    public const string GoodRoute = "default/good";

    public static string GoodManifests(int backendPort) =>
        Manifests.Join(Manifests.Route("good", "/good", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", [backendPort]);

    /// <summary>
    /// The good objects, then the case's: the good ones first seen earlier (as the directory source stamps them), and
    /// an object already defined dropped, as the source drops a duplicate.
    /// </summary>
    public static ClusterSnapshot With(IReadOnlyList<object> caseObjects)
    {
        var good = ManifestParser.Parse(GoodFile, GoodManifests(8080)).Objects;
        // (Parsed afresh each time: the translator must not depend on objects it was given before.)
        var earlier = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var all = new List<object>();
        foreach (var (item, seen) in good.Select(o => (o, earlier)).Concat(caseObjects.Select(o => (o, earlier.AddSeconds(1)))))
        {
            ((IKubernetesObject<V1ObjectMeta>)item).Metadata.CreationTimestamp = seen;
            all.Add(item);
        }

        return new ClusterSnapshot(all.OfType<WebSocketRoute>().ToList(), all.OfType<V1Service>().ToList(),
            all.OfType<V1EndpointSlice>().ToList(), all.OfType<V1Secret>().ToList())
        {
            Ingresses = all.OfType<V1Ingress>().ToList(),
            IngressClasses = all.OfType<V1IngressClass>().ToList(),
        };
    }
}
