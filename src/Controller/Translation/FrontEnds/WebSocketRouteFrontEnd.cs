using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.Routes;

namespace Sockway.Controller.Translation.FrontEnds;

/// <summary>The native API: one WebSocketRoute is one intent, keyed by its namespace/name.</summary>
internal sealed class WebSocketRouteFrontEnd : IRouteFrontEnd
{
    public static WebSocketRouteFrontEnd Instance { get; } = new();

    public int Rank => 0;

    public FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options) => Read(snapshot, options, ReadOne);

    public FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options, FrontEndMemo memo) =>
        Read(snapshot, options, route => memo.GetOrRead(route, ReadOne));

    private static FrontEndOutput Read(ClusterSnapshot snapshot, TranslationOptions options, Func<WebSocketRoute, object> read)
    {
        var intents = new List<RouteIntent>();
        var rejected = new List<RouteOutcome>();
        // One object per namespace/name, chosen by a stable rule, before anything is keyed by it.
        foreach (var route in SnapshotIndex.Distinct(snapshot.Routes.Where(options.Serves)))
        {
            switch (read(route))
            {
                case RouteIntent intent:
                    intents.Add(intent);
                    break;
                case RouteOutcome outcome:
                    rejected.Add(outcome);
                    break;
            }
        }

        return new FrontEndOutput(intents, rejected);
    }

    // An intent, or the outcome of a route rejected before it became one.
    private static object ReadOne(WebSocketRoute route)
    {
        var key = new RouteKey(SnapshotIndex.NamespaceOf(route.Metadata), route.Metadata.Name);
        var errors = new List<string>();
        return RouteValidator.Validate(route, key, errors) is { } intent
            ? intent
            : RouteOutcomes.Rejected(key, route.Metadata.Generation, Api.V1Alpha1.RouteConditions.Reasons.Invalid, string.Join("; ", errors));
    }
}
