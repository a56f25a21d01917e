using Sockway.Controller.Api.GatewayV1;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>Whether a ReferenceGrant in the target's namespace lets objects of a kind in another namespace refer to it.</summary>
internal sealed class ReferenceGrants(IEnumerable<ReferenceGrant> grants)
{
    private readonly ILookup<string, ReferenceGrant> _byNamespace = SnapshotIndex.Distinct(grants).ToLookup(g => SnapshotIndex.NamespaceOf(g.Metadata));

    /// <param name="fromGroup">"" for core kinds.</param>
    public bool Permits(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName)
    {
        if (fromNamespace == toNamespace)
        {
            return true;
        }

        foreach (var grant in _byNamespace[toNamespace])
        {
            var from = grant.Spec?.From?.Any(f => f is not null && (f.Group ?? string.Empty) == fromGroup && f.Kind == fromKind && f.Namespace == fromNamespace) == true;
            var to = grant.Spec?.To?.Any(t => t is not null && (t.Group ?? string.Empty) == toGroup && t.Kind == toKind && (string.IsNullOrEmpty(t.Name) || t.Name == toName)) == true;
            if (from && to)
            {
                return true;
            }
        }

        return false;
    }
}
