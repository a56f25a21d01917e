using k8s.Models;
using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.FrontEnds;
using Sockway.Controller.Translation.Ingresses;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation;

/// <summary>
/// The translator core with memory: each call gives exactly what <see cref="Translator.Translate"/> gives for the same
/// snapshot (a fresh instance is what Translate uses), but works only on what changed since the previous call. An
/// endpoint or Service change re-resolves the intents that use that Service (an index from Service and Secret to
/// intents); a route change re-reads that route and re-orders the intents; a change to an object no intent refers to
/// returns the previous result itself (callers can tell nothing changed by reference). What is remembered is keyed by
/// object and intent instance (sources hand on the same instance for an unchanged object), so an input mutated in
/// place is the one thing it cannot see. Not thread-safe: one caller (the pipeline) at a time.
/// </summary>
public sealed class IncrementalTranslator
{
    // What the WebSocketRoute and Ingress front-ends never read (only the resolution of intents does).
    private static readonly HashSet<Type> BackendKinds = [typeof(V1Service), typeof(V1EndpointSlice), typeof(V1Secret)];

    private readonly SnapshotIndex _index = new();
    private readonly FrontEndMemo _frontEnds = new();
    private Dictionary<V1Secret, TlsSecretContents> _secrets = new(ReferenceEqualityComparer.Instance);
    private Plan? _plan;
    private Resolved?[] _resolved = [];
    private IReadOnlyList<TlsCertificate> _certificates = [];
    private TranslationResult? _last;
    private ClusterSnapshot? _lastSnapshot;
    private string? _routeClass;
    private DateTimeOffset? _lastNow;
    private DateTime _warningsFlipAt = DateTime.MaxValue;
    private IReadOnlyList<IngressReport> _ingressReports = [];
    private IReadOnlyList<Func<IReadOnlyList<IntentOutcome>, TranslationResult, TranslationResult>> _folds = [];

    public TranslationResult Translate(ClusterSnapshot snapshot, TranslationOptions? options = null)
    {
        options ??= new TranslationOptions();
        if (_routeClass != options.RouteClassName)
        {
            // Which routes are served changed: nothing remembered about routes holds.
            _routeClass = options.RouteClassName;
            _plan = null;
        }

        // The source's own list of changes, when it is the list since the snapshot translated last: no list is diffed.
        var known = snapshot.Changes is { } delta && delta.Follow(_lastSnapshot) ? delta.Objects : null;
        var changes = known is null ? _index.Update(snapshot) : _index.Apply(snapshot, known);
        var frontEndInputsKept = known is not null && known.All(c => BackendKinds.Contains(c.Kind)) && SameFrontEndLists(_lastSnapshot!, snapshot);
        _lastSnapshot = snapshot;
        if (frontEndInputsKept && TranslateBackendChange(changes, options.Now) is { } result)
        {
            return result;
        }

        var ranked = new List<(RouteIntent Intent, int Rank)>();
        var rejected = new List<RouteOutcome>();
        var ingressReports = new List<IngressReport>();
        var folds = new List<Func<IReadOnlyList<IntentOutcome>, TranslationResult, TranslationResult>>();
        foreach (var frontEnd in Translator.FrontEnds)
        {
            var output = frontEnd.Read(snapshot, options, _frontEnds);
            rejected.AddRange(output.Rejected);
            ingressReports.AddRange(output.Ingresses);
            if (output.Fold is { } fold)
            {
                folds.Add(fold);
            }

            foreach (var intent in output.Intents)
            {
                ranked.Add((intent, frontEnd.Rank));
            }
        }

        _frontEnds.EndRound();
        var now = options.Now;
        var samePlan = _plan is not null && _plan.Matches(ranked, rejected);
        var plan = samePlan ? _plan! : Plan.Make(ranked, rejected);
        var dirty = samePlan ? Dirty(plan, changes, now) : null;
        // An Ingress rejected whole has no intent; only its report says it changed.
        var sameReports = ingressReports.SequenceEqual(_ingressReports);
        _ingressReports = ingressReports;
        // A front-end that folds its own statuses (Gateway API) reads objects that may make no intent at all (a
        // GatewayClass, a policy): with one present, nothing short-cuts.
        _folds = folds;
        if (samePlan && dirty!.Count == 0 && sameReports && folds.Count == 0 && _last is not null)
        {
            return _last;
        }

        _resolved = samePlan ? Update(plan, dirty!, now) : ResolveAll(plan, changes, now);
        _plan = plan;
        _lastNow = now;
        _warningsFlipAt = NextWarningFlip(plan, now);
        if (!samePlan || dirty!.Any(p => plan.Ordered[p].Tls is not null))
        {
            _certificates = Reuse(Certificates(plan), _certificates);
            ForgetUnusedSecrets();
        }

        return _last = Result(plan);
    }

    // A cheap guard on the source's word that no route object changed: the front-ends' lists kept their lengths.
    private static bool SameFrontEndLists(ClusterSnapshot before, ClusterSnapshot after) =>
        before.Routes.Count == after.Routes.Count && before.Ingresses.Count == after.Ingresses.Count
        && before.IngressClasses.Count == after.IngressClasses.Count && before.GatewayClasses.Count == after.GatewayClasses.Count
        && before.Gateways.Count == after.Gateways.Count && before.HttpRoutes.Count == after.HttpRoutes.Count
        && before.ReferenceGrants.Count == after.ReferenceGrants.Count && before.WebSocketPolicies.Count == after.WebSocketPolicies.Count;

    // Only Services, slices and Secrets changed (as the source says): the front-ends read none of them, so their intents
    // are the last ones and the plan holds; only the intents using what changed are resolved again. Null when a
    // front-end that reads them (Gateway API, with its folds) is present, or there is no plan yet.
    private TranslationResult? TranslateBackendChange(SnapshotChanges changes, DateTimeOffset? now)
    {
        if (_plan is not { } plan || _last is null || _folds.Count > 0)
        {
            return null;
        }

        var dirty = Dirty(plan, changes, now);
        if (dirty.Count == 0)
        {
            return _last;
        }

        _resolved = Update(plan, dirty, now);
        _lastNow = now;
        _warningsFlipAt = NextWarningFlip(plan, now);
        if (dirty.Any(p => plan.Ordered[p].Tls is not null))
        {
            _certificates = Reuse(Certificates(plan), _certificates);
            ForgetUnusedSecrets();
        }

        return _last = Result(plan);
    }

    // Positions (in conflict order) whose resolution may differ from last time: their Service, slices or Secret changed,
    // or the clock crossed a certificate's validity bound (its warning turns on or off).
    private HashSet<int> Dirty(Plan plan, SnapshotChanges changes, DateTimeOffset? now)
    {
        var dirty = new HashSet<int>();
        foreach (var service in changes.Services)
        {
            if (plan.ByService.TryGetValue(service, out var positions))
            {
                dirty.UnionWith(positions);
            }
        }

        foreach (var secret in changes.Secrets)
        {
            if (plan.BySecret.TryGetValue(secret, out var positions))
            {
                dirty.UnionWith(positions);
            }
        }

        var clockMoved = (now is null) != (_lastNow is null) || (now is { } at && (at < _lastNow || at.UtcDateTime >= _warningsFlipAt));
        if (clockMoved)
        {
            dirty.UnionWith(plan.BySecret.Values.SelectMany(p => p));
        }

        dirty.ExceptWith(plan.Conflicted);
        return dirty;
    }

    private Resolved?[] Update(Plan plan, HashSet<int> dirty, DateTimeOffset? now)
    {
        var resolved = (Resolved?[])_resolved.Clone();
        foreach (var position in dirty)
        {
            resolved[position] = Resolve(plan.Ordered[position], now);
        }

        return resolved;
    }

    // A new plan (routes changed): intents that kept their instance keep their resolution unless what it used changed.
    private Resolved?[] ResolveAll(Plan plan, SnapshotChanges changes, DateTimeOffset? now)
    {
        var previous = new Dictionary<RouteIntent, Resolved>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < _resolved.Length && _plan is not null; i++)
        {
            if (_resolved[i] is { } known)
            {
                previous[_plan.Ordered[i]] = known;
            }
        }

        var clockMoved = (now is null) != (_lastNow is null) || (now is { } at && (at < _lastNow || at.UtcDateTime >= _warningsFlipAt));
        var resolved = new Resolved?[plan.Ordered.Length];
        for (var i = 0; i < resolved.Length; i++)
        {
            if (plan.Conflicted.Contains(i))
            {
                continue;
            }

            var intent = plan.Ordered[i];
            var stale = !previous.TryGetValue(intent, out var known)
                || intent.Backends.Any(b => changes.Services.Contains((b.Namespace, b.ServiceName)))
                || (intent.Tls is { } tls && (clockMoved || changes.Secrets.Contains((tls.Namespace, tls.Name))));
            resolved[i] = stale ? Resolve(intent, now) : known;
        }

        return resolved;
    }

    private Resolved Resolve(RouteIntent intent, DateTimeOffset? now)
    {
        var backend = BackendResolver.Resolve(intent.Backends, _index);
        var (refsFailure, tls) = backend.Failure is { } failure ? (failure, null) : ReadCertificate(intent, now);
        var notes = backend.Skipped.Prepend(tls?.Warning).OfType<string>().ToList();
        var settings = intent.Settings;
        var route = new GatewayRoute
        {
            Id = intent.Id,
            Hosts = intent.Hosts,
            Path = intent.Path,
            PathType = intent.PathType,
            Headers = intent.Headers,
            Endpoints = backend.Endpoints,
            Balancing = settings.Balancing,
            IdleTimeout = settings.IdleTimeout,
            ConnectTimeout = settings.ConnectTimeout,
            HandshakeTimeout = settings.HandshakeTimeout,
            DrainTimeout = settings.DrainTimeout,
            Limits = settings.Limits,
            AllowedOrigins = settings.AllowedOrigins,
            AllowPlainHttp = settings.AllowPlainHttp,
            Keepalive = settings.Keepalive,
            MessageLimits = settings.MessageLimits,
            SourceRanges = settings.SourceRanges,
            RedirectToHttps = settings.RedirectToHttps,
            MaxRequestBodyBytes = settings.MaxRequestBodyBytes,
        };
        var origin = intent.Origin;
        return new Resolved(route, RouteOutcomes.Accepted(origin.Key, origin.Generation, refsFailure, backend.Endpoints.Count(e => e.Ready), notes), tls);
    }

    private (RouteCondition? Failure, TlsSecretContents? Contents) ReadCertificate(RouteIntent route, DateTimeOffset? now)
    {
        if (route.Tls is not { } tls)
        {
            return (null, null);
        }

        if (!_index.Secrets.TryGetValue((tls.Namespace, tls.Name), out var secret))
        {
            return (new RouteCondition(RouteConditions.ResolvedRefs, false, RouteConditions.Reasons.SecretNotFound,
                $"Secret {tls} not found (only Secrets of type {TlsSecretReader.TlsType} are read)"), null);
        }

        // Parsed once per Secret object (a new resourceVersion is a new object); the warning depends on the time.
        if (!_secrets.TryGetValue(secret, out var contents))
        {
            _secrets[secret] = contents = TlsSecretReader.Read(secret);
        }

        // No certificate for this route's hosts: a client asking for them by SNI fails the handshake instead of being
        // served some other route's certificate.
        return contents.Failure is { } failure ? (failure, null) : (null, TlsSecretReader.WithWarning(secret, contents, now));
    }

    private void ForgetUnusedSecrets()
    {
        var used = new Dictionary<V1Secret, TlsSecretContents>(ReferenceEqualityComparer.Instance);
        foreach (var (secret, contents) in _secrets)
        {
            if (_index.Secrets.TryGetValue((SnapshotIndex.NamespaceOf(secret.Metadata), secret.Metadata.Name), out var current) && ReferenceEquals(current, secret))
            {
                used[secret] = contents;
            }
        }

        _secrets = used;
    }

    // The next instant a certificate's warning turns on or off (its notBefore or just after its notAfter).
    private DateTime NextWarningFlip(Plan plan, DateTimeOffset? now)
    {
        if (now is not { } at)
        {
            return DateTime.MaxValue;
        }

        var next = DateTime.MaxValue;
        foreach (var position in plan.BySecret.Values.SelectMany(p => p))
        {
            if (_resolved[position]?.Tls is { } tls)
            {
                var (notBefore, notAfter) = tls.Validity;
                var flip = at.UtcDateTime < notBefore ? notBefore : at.UtcDateTime <= notAfter ? notAfter.AddTicks(1) : DateTime.MaxValue;
                next = flip < next ? flip : next;
            }
        }

        return next;
    }

    // One certificate per Secret; a route without hosts matches every host name, so its certificate answers names no
    // other certificate covers.
    private List<TlsCertificate> Certificates(Plan plan)
    {
        var certificates = new Dictionary<string, TlsCertificate>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Ordered.Length; i++)
        {
            if (_resolved[i] is not { Tls: { } contents } || plan.Ordered[i] is not { Tls: { } tls } route)
            {
                continue;
            }

            var id = tls.ToString();
            IEnumerable<string> routeHosts = route.Hosts.Count == 0 ? [TlsCertificate.AnyHost] : route.Hosts;
            var hosts = certificates.TryGetValue(id, out var existing) ? existing.Hosts.Union(routeHosts).ToList() : routeHosts.ToList();
            certificates[id] = new TlsCertificate(id, hosts, contents.CertificatePem!, contents.KeyPem!);
        }

        return certificates.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
    }

    // The same certificates as last time keep their instances (and the list), so the gateway can tell nothing changed.
    private static IReadOnlyList<TlsCertificate> Reuse(List<TlsCertificate> next, IReadOnlyList<TlsCertificate> previous)
    {
        var byId = previous.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var same = next.Count == previous.Count;
        for (var i = 0; i < next.Count; i++)
        {
            var certificate = next[i];
            if (byId.TryGetValue(certificate.Id, out var old) && old.CertificatePem == certificate.CertificatePem
                && old.PrivateKeyPem == certificate.PrivateKeyPem && old.Hosts.SequenceEqual(certificate.Hosts, StringComparer.Ordinal))
            {
                next[i] = old;
                same &= ReferenceEquals(previous[i], old);
            }
            else
            {
                same = false;
            }
        }

        return same ? previous : next;
    }

    private TranslationResult Result(Plan plan)
    {
        var outcomes = new RouteOutcome[plan.Ordered.Length];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = plan.Conflicts[i] ?? _resolved[i]!.Outcome;
        }

        var config = new GatewayConfig(plan.RoutesById.Select(p => _resolved[p]!.Route).ToList(), _certificates);
        var intents = plan.IntentsById.Select(p => new IntentOutcome(plan.Ordered[p], outcomes[p])).ToList();
        var result = new TranslationResult(config, plan.StatusOrder.Select(code => code >= 0 ? outcomes[code] : plan.Rejected[-1 - code]).ToList())
        {
            Intents = intents,
            Ingresses = IngressOutcome.Fold(_ingressReports, intents),
        };
        return _folds.Aggregate(result, (current, fold) => fold(result.Intents, current));
    }

    /// <summary>One intent's resolution: its gateway route, its outcome, and its certificate when it terminates TLS.</summary>
    private sealed record Resolved(GatewayRoute Route, RouteOutcome Outcome, TlsSecretContents? Tls);

    /// <summary>
    /// What depends on the intents alone: their conflict order, which ones lost a host+path conflict, the orders the
    /// result lists are sorted in, and which intents use each Service and Secret. Kept while the intents are the same.
    /// </summary>
    private sealed class Plan
    {
        private List<(RouteIntent Intent, int Rank)> _ranked = [];


        public List<RouteOutcome> Rejected { get; private init; } = [];

        public RouteIntent[] Ordered { get; private init; } = [];

        /// <summary>Per position: the rejection of an intent that lost a conflict, or null when it serves.</summary>
        public RouteOutcome?[] Conflicts { get; private init; } = [];

        public HashSet<int> Conflicted { get; private init; } = [];

        public int[] RoutesById { get; private init; } = [];

        public int[] IntentsById { get; private init; } = [];

        /// <summary>The WebSocketRoute statuses in result order: a position, or -1 - index into <see cref="Rejected"/>.</summary>
        public int[] StatusOrder { get; private init; } = [];

        public Dictionary<(string Namespace, string Name), List<int>> ByService { get; private init; } = [];

        public Dictionary<(string Namespace, string Name), List<int>> BySecret { get; private init; } = [];

        public bool Matches(List<(RouteIntent Intent, int Rank)> ranked, List<RouteOutcome> rejected)
        {
            if (ranked.Count != _ranked.Count || rejected.Count != Rejected.Count)
            {
                return false;
            }

            for (var i = 0; i < ranked.Count; i++)
            {
                if (!ReferenceEquals(ranked[i].Intent, _ranked[i].Intent) || ranked[i].Rank != _ranked[i].Rank)
                {
                    return false;
                }
            }

            for (var i = 0; i < rejected.Count; i++)
            {
                if (!ReferenceEquals(rejected[i], Rejected[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public static Plan Make(List<(RouteIntent Intent, int Rank)> ranked, List<RouteOutcome> rejected)
        {
            // Oldest first: on a host+path conflict the route that was there first keeps it. (The directory source stamps
            // creationTimestamp in first-seen order, as an API server would, so a file added later never takes a path.)
            // Same age: the front-end's rank, then namespace, name and id, so the choice never depends on input order.
            var ordered = ranked
                .OrderBy(r => r.Intent.Origin.CreatedAt ?? DateTime.MaxValue)
                .ThenBy(r => r.Rank)
                .ThenBy(r => r.Intent.Origin.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(r => r.Intent.Origin.Key.Name, StringComparer.Ordinal)
                .ThenBy(r => r.Intent.Id, StringComparer.Ordinal)
                .Select(r => r.Intent)
                .ToArray();
            var conflicts = new RouteOutcome?[ordered.Length];
            var conflicted = new HashSet<int>();
            var byService = new Dictionary<(string, string), List<int>>();
            var bySecret = new Dictionary<(string, string), List<int>>();
            var claims = new Dictionary<string, RouteOrigin>(StringComparer.Ordinal);
            for (var i = 0; i < ordered.Length; i++)
            {
                var intent = ordered[i];
                var origin = intent.Origin;
                if (FindConflict(intent, claims) is { } conflict)
                {
                    conflicts[i] = RouteOutcomes.Rejected(origin.Key, origin.Generation, RouteConditions.Reasons.Conflicted, conflict);
                    conflicted.Add(i);
                    continue;
                }

                foreach (var claim in ClaimsOf(intent))
                {
                    claims[claim] = origin;
                }

                foreach (var backend in intent.Backends)
                {
                    Add(byService, (backend.Namespace, backend.ServiceName), i);
                }

                if (intent.Tls is { } tls)
                {
                    Add(bySecret, (tls.Namespace, tls.Name), i);
                }
            }

            // The same stable sorts over the same sequences as a translation from scratch, so ties break the same way.
            var positions = Enumerable.Range(0, ordered.Length);
            var statuses = positions.Where(p => ordered[p].Origin.Kind == RouteValidator.Kind).Select(p => (Code: p, Key: ordered[p].Origin.Key))
                .Concat(rejected.Select((o, i) => (Code: -1 - i, o.Key)));
            return new Plan
            {
                _ranked = ranked,
                Rejected = rejected,
                Ordered = ordered,
                Conflicts = conflicts,
                Conflicted = conflicted,
                ByService = byService,
                BySecret = bySecret,
                RoutesById = positions.Where(p => conflicts[p] is null).OrderBy(p => ordered[p].Id, StringComparer.Ordinal).ToArray(),
                IntentsById = positions.OrderBy(p => ordered[p].Id, StringComparer.Ordinal).ToArray(),
                StatusOrder = statuses.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal).Select(s => s.Code).ToArray(),
            };
        }

        private static void Add(Dictionary<(string, string), List<int>> index, (string, string) key, int position)
        {
            if (!index.TryGetValue(key, out var positions))
            {
                index[key] = positions = [];
            }

            if (positions.Count == 0 || positions[^1] != position)
            {
                positions.Add(position);
            }
        }

        private static IEnumerable<string> ClaimsOf(RouteIntent route)
        {
            IEnumerable<string> hosts = route.Hosts.Count == 0 ? ["*"] : route.Hosts;
            // Header matches make a different claim on the same host and path (names compare case-insensitively).
            var headers = string.Concat(route.Headers.OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).Select(h => $" {h.Name.ToLowerInvariant()}={h.Value}"));
            return hosts.Select(h => $"{h} {route.PathType} {route.Path}{headers}");
        }

        private static string? FindConflict(RouteIntent route, Dictionary<string, RouteOrigin> claims)
        {
            foreach (var claim in ClaimsOf(route))
            {
                if (claims.TryGetValue(claim, out var owner))
                {
                    var parts = claim.Split(' ', 4);
                    var headers = parts.Length > 3 ? $" with headers {parts[3]}" : string.Empty;
                    return $"host '{parts[0]}' path '{parts[2]}' ({parts[1]}){headers} is already routed by the older {owner}";
                }
            }

            return null;
        }
    }
}
