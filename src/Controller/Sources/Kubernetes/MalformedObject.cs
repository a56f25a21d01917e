namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>An object the API server returned that could not be read; identified from its raw metadata so it can be reported on.</summary>
public sealed record MalformedObject(string ApiVersion, string Kind, string? Namespace, string Name, string? Uid, string Problem)
{
    public override string ToString() => $"{Kind} {(Namespace is null ? string.Empty : Namespace + "/")}{Name}";
}
