namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>One API call as RBAC sees it: verb, API group, resource (with subresource), namespace.</summary>
public sealed record RecordedCall(string Verb, string Group, string Resource, string? Namespace, string? Name)
{
    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource}{(Namespace is null ? string.Empty : " in " + Namespace)}";
}
