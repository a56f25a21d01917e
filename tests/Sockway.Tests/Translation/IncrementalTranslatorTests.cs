using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation;
using Xunit;

namespace Sockway.Tests.Translation;

/// <summary>
/// The incremental translator must give, at every step, exactly what a translation from scratch gives: random sequences
/// of snapshot changes (routes, Services, slices moving between Services, Secrets rotating or breaking, duplicates,
/// reordered lists, the clock crossing a certificate's expiry) over a small universe, so conflicts and shared
/// Services and Secrets are frequent. Bounded: a fixed number of seeded sequences.
/// </summary>
public sealed class IncrementalTranslatorTests
{
    private static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Certificates = [Pem(Epoch.AddDays(-1), Epoch.AddDays(30)), Pem(Epoch.AddDays(1), Epoch.AddDays(60)), Pem(Epoch.AddDays(-10), Epoch.AddDays(2))];
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_step_of_random_change_sequences_equals_a_translation_from_scratch(bool sourceListsChanges)
    {
        for (var seed = 0; seed < 150; seed++)
        {
            var random = new Random(seed);
            var world = new World(random) { ListsChanges = sourceListsChanges };
            var incremental = new IncrementalTranslator();
            var now = Epoch;
            for (var step = 0; step < 40; step++)
            {
                var change = world.Change();
                if (random.Next(5) == 0)
                {
                    // The clock moves across the certificates' bounds (the second is valid from day 1, the third until
                    // day 2: their warnings turn on and off), or back.
                    now = Epoch.AddHours(random.Next(0, 80));
                }

                var snapshot = world.Snapshot(reuseLists: change == "none");
                if (sourceListsChanges && random.Next(6) == 0)
                {
                    // Coalesced: the pipeline skips this snapshot, so the next one's changes are not since the last translated.
                    continue;
                }

                var options = new TranslationOptions(Now: new DateTimeOffset(now));
                var expected = Render(Translator.Translate(snapshot, options));
                var actual = Render(incremental.Translate(snapshot, options));
                Assert.True(expected == actual, $"seed {seed} step {step} after '{change}':\nexpected {expected}\nactual {actual}");
            }
        }
    }

    [Fact]
    public void A_change_to_an_object_no_route_uses_returns_the_previous_result_itself()
    {
        var world = new World(new Random(1));
        world.Routes[("default", "a")] = World.Route("default", "a", "/a", [], "s0", "http", "t0", Epoch);
        world.Services[("default", "s0")] = World.Service("default", "s0", "http", 80);
        world.Slices[("default", "s0-a")] = World.Slice("default", "s0-a", "s0", "http", ["10.1.2.3"], ready: true);
        world.Secrets[("default", "t0")] = World.Secret("default", "t0", Certificates[0]);
        var translator = new IncrementalTranslator();
        var first = translator.Translate(world.Snapshot(reuseLists: false));

        world.Services[("other", "unused")] = World.Service("other", "unused", "http", 80);
        world.Secrets[("other", "unused")] = World.Secret("other", "unused", Certificates[0]);
        world.Slices[("other", "unused-a")] = World.Slice("other", "unused-a", "unused", "http", ["10.9.9.9"], ready: true);
        var second = translator.Translate(world.Snapshot(reuseLists: false));

        Assert.Single(first.Config.Routes);
        Assert.Single(first.Config.Certificates);
        Assert.Same(first, second);
    }

    [Fact]
    public void An_endpoint_change_gives_new_routes_only_for_the_routes_using_that_service()
    {
        var world = new World(new Random(2));
        world.Routes.Clear();
        world.Routes[("default", "a")] = World.Route("default", "a", "/a", [], "s0", "http", null, Epoch);
        world.Routes[("default", "b")] = World.Route("default", "b", "/b", [], "s1", "http", null, Epoch);
        world.Services[("default", "s0")] = World.Service("default", "s0", "http", 80);
        world.Services[("default", "s1")] = World.Service("default", "s1", "http", 80);
        var translator = new IncrementalTranslator();
        var before = translator.Translate(world.Snapshot(reuseLists: false)).Config.Routes.ToDictionary(r => r.Id);

        world.Slices[("default", "s0-new")] = World.Slice("default", "s0-new", "s0", "http", ["10.1.2.3"], ready: true);
        var after = translator.Translate(world.Snapshot(reuseLists: false)).Config.Routes.ToDictionary(r => r.Id);

        Assert.Same(before["default/b"], after["default/b"]);
        Assert.NotSame(before["default/a"], after["default/a"]);
        Assert.Contains(after["default/a"].Endpoints, e => e.Key == "10.1.2.3:8080");
    }

    private static string Render(TranslationResult result) => JsonSerializer.Serialize(new
    {
        GatewayRoutes = result.Config.Routes,
        result.Config.Certificates,
        Statuses = result.Routes,
        Intents = result.Intents.Select(i => new { i.Intent.Id, i.Outcome }),
    }, Json);

    private static string Pem(DateTime notBefore, DateTime notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=incremental.test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(notBefore, notAfter);
        return certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>A small cluster that changes at random, one object at a time; each snapshot is built from it.</summary>
    private sealed class World(Random random)
    {
        private static readonly string[] Namespaces = ["default", "b"];
        private static readonly string[] Names = ["r0", "r1", "r2", "r3", "r4"];
        private static readonly string[] ServiceNames = ["s0", "s1", "s2"];
        private static readonly string[] SecretNames = ["t0", "t1"];
        private static readonly string[] Paths = ["/", "/a", "/b", "a-bad-path"];
        private static readonly string[] Hosts = ["a.test", "b.test", "*.test"];

        public Dictionary<(string, string), WebSocketRoute> Routes { get; } = [];

        public Dictionary<(string, string), V1Service> Services { get; } = [];

        public Dictionary<(string, string), V1EndpointSlice> Slices { get; } = [];

        public Dictionary<(string, string), V1Secret> Secrets { get; } = [];

        private ClusterSnapshot? _last;
        private readonly List<object> _duplicates = [];
        private Dictionary<(Type, string, string), object> _published = [];

        /// <summary>Snapshots carry the objects changed since the previous one, as the sources do.</summary>
        public bool ListsChanges { get; init; }

        public string Change()
        {
            var roll = random.Next(14);
            switch (roll)
            {
                case 0 or 1 or 2:
                    var (ns, name) = (Pick(Namespaces), Pick(Names));
                    IList<string> hosts = random.Next(3) == 0 ? [] : [.. Hosts.Where(_ => random.Next(2) == 0)];
                    Routes[(ns, name)] = Route(ns, name, Pick(Paths), hosts, Pick(ServiceNames), random.Next(4) == 0 ? "80" : random.Next(6) == 0 ? "nope" : "http",
                        random.Next(3) == 0 ? Pick(SecretNames) : null, random.Next(5) == 0 ? null : Epoch.AddMinutes(random.Next(4)));
                    return "route";
                case 3:
                    Remove(Routes);
                    return "route removed";
                case 4:
                    var service = (Pick(Namespaces), Pick(ServiceNames));
                    Services[service] = Service(service.Item1, service.Item2, random.Next(5) == 0 ? "grpc" : "http", 80);
                    return "service";
                case 5:
                    Remove(Services);
                    return "service removed";
                case 6 or 7 or 8:
                    var sliceNs = Pick(Namespaces);
                    var owner = Pick(ServiceNames);
                    // Slice names are not tied to their Service: a slice can move from one Service to another.
                    var sliceName = $"slice{random.Next(4)}";
                    var addresses = Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(8) == 0 ? "not-an-ip" : $"10.0.0.{random.Next(1, 5)}").ToList();
                    Slices[(sliceNs, sliceName)] = Slice(sliceNs, sliceName, owner, random.Next(6) == 0 ? "other" : "http", addresses, random.Next(3) != 0);
                    return "slice";
                case 9:
                    Remove(Slices);
                    return "slice removed";
                case 10:
                    var secret = (Pick(Namespaces), Pick(SecretNames));
                    Secrets[secret] = random.Next(5) == 0
                        ? new V1Secret { Metadata = new V1ObjectMeta { Name = secret.Item2, NamespaceProperty = secret.Item1 }, Type = random.Next(2) == 0 ? "Opaque" : null, Data = new Dictionary<string, byte[]> { ["tls.crt"] = "garbage"u8.ToArray(), ["tls.key"] = "x"u8.ToArray() } }
                        : Secret(secret.Item1, secret.Item2, Pick(Certificates));
                    return "secret";
                case 11:
                    Remove(Secrets);
                    return "secret removed";
                case 12:
                    // A source's duplicate: a second object with the same namespace/name (a newer one; it must not win).
                    if (Routes.Count > 0)
                    {
                        var copy = Routes.Values.ElementAt(random.Next(Routes.Count));
                        _duplicates.Add(Route(copy.Metadata.NamespaceProperty, copy.Metadata.Name, "/dup", [], "s0", "http", null, Epoch.AddDays(1)));
                    }

                    return "duplicate";
                default:
                    return random.Next(2) == 0 ? "none" : "reordered";
            }
        }

        public ClusterSnapshot Snapshot(bool reuseLists)
        {
            if (reuseLists && _last is not null)
            {
                return _last;
            }

            var previous = _last;
            var snapshot = new ClusterSnapshot(
                Shuffle(Routes.Values.Concat(_duplicates.OfType<WebSocketRoute>())),
                Shuffle(Services.Values),
                Shuffle(Slices.Values),
                Shuffle(Secrets.Values));
            var changes = ListsChanges ? ChangedObjects() : null;
            return _last = changes is not null && previous is not null ? snapshot with { Changes = new ObjectChanges(previous, changes) } : snapshot;
        }

        // By reference, as a source knows it: every object added, replaced or deleted since the last snapshot.
        private List<ObjectChange> ChangedObjects()
        {
            var now = new Dictionary<(Type, string, string), object>();
            foreach (var (kind, objects) in new (Type, IEnumerable<k8s.IKubernetesObject<V1ObjectMeta>>)[]
                { (typeof(WebSocketRoute), Routes.Values), (typeof(V1Service), Services.Values), (typeof(V1EndpointSlice), Slices.Values), (typeof(V1Secret), Secrets.Values) })
            {
                foreach (var item in objects)
                {
                    now[(kind, item.Metadata.NamespaceProperty, item.Metadata.Name)] = item;
                }
            }

            var changes = now.Where(n => !_published.TryGetValue(n.Key, out var old) || !ReferenceEquals(old, n.Value))
                .Select(n => new ObjectChange(n.Key.Item1, n.Key.Item2, n.Key.Item3, n.Value))
                .Concat(_published.Keys.Where(k => !now.ContainsKey(k)).Select(k => new ObjectChange(k.Item1, k.Item2, k.Item3, null)))
                .ToList();
            _published = now;
            return changes;
        }

        public static WebSocketRoute Route(string ns, string name, string path, IList<string> hosts, string service, string port, string? secret, DateTime? created) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, CreationTimestamp = created, Generation = 1 },
            Spec = new WebSocketRouteSpec
            {
                Hosts = hosts,
                Path = path,
                Backend = new BackendRef { Service = new ServiceBackendRef { Name = service, Port = port } },
                Tls = secret is null ? null : new TlsSpec { SecretName = secret },
            },
        };

        public static V1Service Service(string ns, string name, string portName, int port) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = portName, Port = port }] },
        };

        public static V1EndpointSlice Slice(string ns, string name, string service, string portName, IList<string> addresses, bool ready) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = portName, Port = 8080 }],
            Endpoints = addresses.Select(a => new V1Endpoint { Addresses = [a], Conditions = new V1EndpointConditions { Ready = ready } }).ToList(),
        };

        public static V1Secret Secret(string ns, string name, string pem)
        {
            var split = pem.IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal);
            return new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Type = "kubernetes.io/tls",
                Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(pem[..split]), ["tls.key"] = Encoding.UTF8.GetBytes(pem[split..]) },
            };
        }

        private T Pick<T>(T[] items) => items[random.Next(items.Length)];

        private void Remove<TValue>(Dictionary<(string, string), TValue> objects)
        {
            if (objects.Count > 0)
            {
                objects.Remove(objects.Keys.ElementAt(random.Next(objects.Count)));
            }
        }

        private List<T> Shuffle<T>(IEnumerable<T> items)
        {
            var list = items.ToList();
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
            return list;
        }
    }
}
