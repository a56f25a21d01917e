using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.Routes;

namespace Sockway.Controller.Translation.FrontEnds;

/// <summary>The native API: one WebSocketRoute is one intent, keyed by its namespace/name.</summary>
internal sealed class WebSocketRouteFrontEnd : IRouteFrontEnd
{
    public static WebSocketRouteFrontEnd Instance { get; } = new();

    public int Rank => 0;

    public FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options)
    {
        var intents = new List<RouteIntent>();
        var rejected = new List<RouteOutcome>();
        // One object per namespace/name, chosen by a stable rule, before anything is keyed by it.
        foreach (var route in SnapshotIndex.Distinct(snapshot.Routes.Where(options.Serves)))
        {
            var key = new RouteKey(SnapshotIndex.NamespaceOf(route.Metadata), route.Metadata.Name);
            var errors = new List<string>();
            if (RouteValidator.Validate(route, key, errors) is { } intent)
            {
                intents.Add(intent);
            }
            else
            {
                rejected.Add(RouteOutcomes.Rejected(key, route.Metadata.Generation, Api.V1Alpha1.RouteConditions.Reasons.Invalid, string.Join("; ", errors)));
            }
        }

        return new FrontEndOutput(intents, rejected);
    }
}
