using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.Routes;

namespace Sockway.Controller.Translation.FrontEnds;

/// <summary>
/// Reads one family of kinds (WebSocketRoute; Ingress; Gateway API...) from a snapshot and turns the objects this
/// installation serves into route intents. Pure: no I/O, no clock beyond <see cref="TranslationOptions.Now"/>.
/// </summary>
internal interface IRouteFrontEnd
{
    /// <summary>Among intents of the same age, lower ranks win a host+path conflict (see docs/bad-config.md).</summary>
    int Rank { get; }

    FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options);

    /// <summary>
    /// The same, remembering per object (see <see cref="FrontEndMemo"/>): an unchanged object must give back the same
    /// intent instance, so the core does no work for it. A front-end that does not override this is re-read whole
    /// each time, which is correct, only slower.
    /// </summary>
    FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options, FrontEndMemo memo) => Read(snapshot, options);
}

/// <summary>What a front-end made of its objects: intents to serve, and objects it rejected before any intent.</summary>
internal sealed record FrontEndOutput(IReadOnlyList<RouteIntent> Intents, IReadOnlyList<RouteOutcome> Rejected)
{
    /// <summary>The Ingress front-end's findings per Ingress (errors, annotation notes), folded with its intents' outcomes.</summary>
    public IReadOnlyList<Ingresses.IngressReport> Ingresses { get; init; } = [];

    /// <summary>
    /// Folds the core's outcomes for every intent into the front-end's own objects' statuses (added to the result),
    /// for front-ends whose status is not one-object-one-intent (Gateway API).
    /// </summary>
    public Func<IReadOnlyList<IntentOutcome>, TranslationResult, TranslationResult>? Fold { get; init; }
}
