using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Translation.Routes;
using static Sockway.Controller.Translation.FrontEnds.HttpRoutes.GatewayApiConditions;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>A Gateway of one of this installation's classes, with each listener judged.</summary>
internal sealed class ServedGateway
{
    public required RouteKey Key { get; init; }

    public required GatewayResource Object { get; init; }

    public required IReadOnlyList<ServedListener> Listeners { get; init; }

    /// <summary>Set when the whole Gateway is refused (unsupported addresses, no valid listener).</summary>
    public RouteCondition? Refusal { get; init; }

    public GatewayOutcome ToOutcome()
    {
        var valid = Listeners.Count(l => l.Usable);
        var accepted = Refusal ?? (valid == Listeners.Count && valid > 0
            ? True(Accepted, Reasons.Accepted, "Gateway accepted")
            : valid > 0
                ? True(Accepted, Reasons.ListenersNotValid, $"{Listeners.Count - valid} of {Listeners.Count} listener(s) are not valid; see their conditions")
                : False(Accepted, Reasons.ListenersNotValid, "no listener is valid; see their conditions"));
        var programmed = accepted.Status
            ? True(Programmed, Reasons.Programmed, $"{valid} listener(s) served on Sockway's HTTP and HTTPS ports")
            : False(Programmed, Reasons.Invalid, accepted.Message);
        return new GatewayOutcome(Key, Object.Metadata.Generation, [accepted, programmed], Listeners.Select(l => l.ToOutcome(Refusal is null)).ToList());
    }
}

/// <summary>One listener as Sockway serves it (or why it does not).</summary>
internal sealed class ServedListener
{
    public const string RouteKind = HttpRoute.KindName;

    public required string Name { get; init; }

    public required string Protocol { get; init; }

    public int Port { get; init; }

    public string? Hostname { get; init; }

    /// <summary>The Secret that terminates TLS for this listener, when it resolved.</summary>
    public SecretRef? Certificate { get; init; }

    /// <summary>Same, All or Selector.</summary>
    public string From { get; init; } = "Same";

    public bool AllowsHttpRoute { get; init; } = true;

    public required RouteCondition Accepted { get; init; }

    public required RouteCondition ResolvedRefs { get; init; }

    public RouteCondition Conflicted { get; set; } = False(GatewayApiConditions.Conflicted, Reasons.NoConflicts, "no conflicts");

    /// <summary>Routes attach only to listeners that are accepted and not in conflict.</summary>
    public bool Usable => Accepted.Status && !Conflicted.Status;

    public int AttachedRoutes { get; set; }

    public ListenerOutcome ToOutcome(bool gatewayAccepted)
    {
        var programmed = Usable && ResolvedRefs.Status && gatewayAccepted
            ? True(Programmed, Reasons.Programmed, "listener served")
            : False(Programmed, Reasons.Invalid, !Usable ? (Conflicted.Status ? Conflicted.Message : Accepted.Message) : !ResolvedRefs.Status ? ResolvedRefs.Message : "the Gateway is not accepted");
        return new ListenerOutcome(Name, AllowsHttpRoute ? [RouteKind] : [], AttachedRoutes, [Accepted, ResolvedRefs, Conflicted, programmed]);
    }
}
