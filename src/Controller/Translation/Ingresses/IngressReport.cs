namespace Sockway.Controller.Translation.Ingresses;

/// <summary>What the Ingress front-end found in one Ingress before any of its paths were resolved.</summary>
public sealed record IngressReport(RouteKey Key, long? Generation, IReadOnlyList<string> Errors, IReadOnlyList<AnnotationNote> Annotations);
