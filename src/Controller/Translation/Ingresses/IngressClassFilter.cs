using k8s.Models;

namespace Sockway.Controller.Translation.Ingresses;

/// <summary>
/// Which Ingresses are Sockway's: <c>spec.ingressClassName</c> (or the legacy <c>kubernetes.io/ingress.class</c>
/// annotation) names an IngressClass whose controller is <see cref="ControllerName"/>, or names this installation's
/// class directly (standalone files need no IngressClass object); an Ingress without a class is Sockway's when a
/// Sockway IngressClass is marked the cluster default.
/// </summary>
internal sealed class IngressClassFilter
{
    public const string ControllerName = "sockway.io/ingress-controller";
    public const string LegacyAnnotation = "kubernetes.io/ingress.class";
    public const string DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

    private readonly HashSet<string> _names;
    private readonly bool _isDefault;

    public IngressClassFilter(IEnumerable<V1IngressClass> classes, string ownClassName)
    {
        var ours = SnapshotIndex.Distinct(classes).Where(c => c.Spec?.Controller == ControllerName).ToList();
        _names = ours.Select(c => c.Metadata.Name).Append(ownClassName).ToHashSet(StringComparer.Ordinal);
        _isDefault = ours.Any(c => c.Metadata.Annotations?.TryGetValue(DefaultClassAnnotation, out var v) == true && v == "true");
    }

    public bool Serves(V1Ingress ingress)
    {
        var name = ingress.Spec?.IngressClassName;
        if (string.IsNullOrEmpty(name))
        {
            ingress.Metadata.Annotations?.TryGetValue(LegacyAnnotation, out name);
        }

        return string.IsNullOrEmpty(name) ? _isDefault : _names.Contains(name);
    }
}
