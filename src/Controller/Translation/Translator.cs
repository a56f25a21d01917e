using Sockway.Controller.Api.V1Alpha1;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation.FrontEnds;
using Sockway.Controller.Translation.Ingresses;
using Sockway.Controller.Translation.FrontEnds.HttpRoutes;
using Sockway.Controller.Translation.Routes;
using Sockway.Gateway.Configuration;

namespace Sockway.Controller.Translation;

/// <summary>Which routes this installation serves.</summary>
/// <param name="Now">The time TLS certificates are checked against (expiry warnings); null skips that check.</param>
public sealed record TranslationOptions(string RouteClassName = TranslationOptions.DefaultRouteClass, DateTimeOffset? Now = null)
{
    public const string DefaultRouteClass = "sockway";

    /// <summary>Routes without a class belong to the default class; others must name this installation's class.</summary>
    public bool Serves(WebSocketRoute route)
    {
        var routeClass = route.Spec?.RouteClassName;
        return string.IsNullOrEmpty(routeClass) ? RouteClassName == DefaultRouteClass : routeClass == RouteClassName;
    }
}

/// <summary>The gateway configuration and the status of every route this installation serves.</summary>
/// <param name="Routes">One outcome per WebSocketRoute.</param>
/// <param name="Intents">One outcome per route intent, whichever front-end it came from (front-ends fold them into their objects' status).</param>
public sealed record TranslationResult(GatewayConfig Config, IReadOnlyList<RouteOutcome> Routes)
{
    public IReadOnlyList<IntentOutcome> Intents { get; init; } = [];

    /// <summary>One outcome per Ingress Sockway serves: its paths' outcomes folded, and what became of its annotations.</summary>
    public IReadOnlyList<IngressOutcome> Ingresses { get; init; } = [];

    // Gateway API: only the objects this installation owns (its GatewayClasses, their Gateways, the routes attached).
    public IReadOnlyList<GatewayClassOutcome> GatewayClasses { get; init; } = [];

    public IReadOnlyList<GatewayOutcome> Gateways { get; init; } = [];

    public IReadOnlyList<HttpRouteOutcome> HttpRoutes { get; init; } = [];

    public IReadOnlyList<PolicyOutcome> Policies { get; init; } = [];
}

/// <summary>What became of one route intent.</summary>
public sealed record IntentOutcome(RouteIntent Intent, RouteOutcome Outcome);

/// <summary>
/// The pure heart of Sockway: snapshot in, gateway config and route statuses out. No I/O, no clock, no
/// randomness; the same snapshot always gives the same result. Front-ends turn their kinds into route intents; the
/// core (<see cref="IncrementalTranslator"/>) resolves, de-conflicts and builds the gateway config from intents alone.
/// </summary>
public static class Translator
{
    internal static readonly IRouteFrontEnd[] FrontEnds = [WebSocketRouteFrontEnd.Instance, GatewayApiFrontEnd.Instance, IngressFrontEnd.Instance];

    /// <summary>A translation from scratch: the incremental core (see <see cref="IncrementalTranslator"/>) with nothing remembered.</summary>
    public static TranslationResult Translate(ClusterSnapshot snapshot, TranslationOptions? options = null) =>
        new IncrementalTranslator().Translate(snapshot, options);
}
