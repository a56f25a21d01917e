using Sockway.Controller.Api.V1Alpha1;

namespace Sockway.Controller.Translation.Ingresses;

/// <summary>
/// What became of one Ingress: Accepted (all fields and annotation values good), Ready (every path has ready
/// endpoints), each path's own outcome, and every annotation mapped, approximated or dropped.
/// </summary>
public sealed record IngressOutcome(RouteKey Key, long? ObservedGeneration, IReadOnlyList<RouteCondition> Conditions,
    IReadOnlyList<IngressPathOutcome> Paths, IReadOnlyList<AnnotationNote> Annotations)
{
    public bool IsAccepted => Conditions.Any(c => c.Type == RouteConditions.Accepted && c.Status);

    /// <summary>The annotations that have no effect: each one becomes a Warning Event.</summary>
    public IEnumerable<AnnotationNote> Dropped => Annotations.Where(n => n.Disposition == AnnotationDisposition.Dropped);

    internal static IReadOnlyList<IngressOutcome> Fold(IEnumerable<IngressReport> reports, IReadOnlyList<IntentOutcome> intents)
    {
        var byIngress = intents.Where(i => i.Intent.Origin.Kind == IngressFrontEnd.Kind).ToLookup(i => i.Intent.Origin.Key);
        return reports.Select(r => Fold(r, byIngress[r.Key].OrderBy(i => i.Intent.Id, StringComparer.Ordinal).ToList()))
            .OrderBy(o => o.Key.ToString(), StringComparer.Ordinal)
            .ToList();
    }

    private static IngressOutcome Fold(IngressReport report, List<IntentOutcome> paths)
    {
        var outcome = paths.Select(p => new IngressPathOutcome(p.Intent.Id, p.Intent.Hosts.FirstOrDefault() ?? "*", p.Intent.Path, p.Outcome)).ToList();
        if (report.Errors.Count > 0)
        {
            var rejected = RouteOutcomes.Rejected(report.Key, report.Generation, RouteConditions.Reasons.Invalid, string.Join("; ", report.Errors));
            return new IngressOutcome(report.Key, report.Generation, rejected.Conditions, outcome, report.Annotations);
        }

        var conflicted = outcome.Where(p => !p.Outcome.IsAccepted).ToList();
        var accepted = conflicted.Count == 0
            ? new RouteCondition(RouteConditions.Accepted, true, RouteConditions.Reasons.Accepted, $"{outcome.Count} path(s) accepted")
            : new RouteCondition(RouteConditions.Accepted, conflicted.Count < outcome.Count, RouteConditions.Reasons.Conflicted,
                string.Join("; ", conflicted.Select(p => $"{p.Host}{p.Path}: {p.Outcome.Find(RouteConditions.Accepted)?.Message}")));
        var notReady = outcome.Where(p => p.Outcome.IsAccepted && p.Outcome.Find(RouteConditions.Ready) is { Status: false }).ToList();
        var servedPaths = outcome.Count - conflicted.Count;
        var ready = notReady.Count == 0 && servedPaths > 0
            ? new RouteCondition(RouteConditions.Ready, true, RouteConditions.Reasons.Ready, $"{servedPaths} path(s) ready")
            : new RouteCondition(RouteConditions.Ready, false, notReady.Count > 0 ? notReady[0].Outcome.Find(RouteConditions.Ready)!.Reason : RouteConditions.Reasons.NotAccepted,
                notReady.Count > 0 ? string.Join("; ", notReady.Select(p => $"{p.Host}{p.Path}: {p.Outcome.Find(RouteConditions.Ready)!.Message}")) : "no path accepted");
        return new IngressOutcome(report.Key, report.Generation, [accepted, ready], outcome, report.Annotations);
    }
}

/// <summary>One rule path (or the default backend) of an Ingress, as served.</summary>
public sealed record IngressPathOutcome(string Id, string Host, string Path, RouteOutcome Outcome);
