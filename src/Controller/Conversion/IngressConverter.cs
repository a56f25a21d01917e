using k8s.Models;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Translation.Ingresses;
using Sockway.Controller.Translation.Routes;

namespace Sockway.Controller.Conversion;

/// <summary>
/// `sockway convert`: Ingress manifests in, equivalent WebSocketRoutes (or HTTPRoutes + WebSocketPolicies) out. It reads
/// each Ingress exactly as the Ingress front-end serves it (same intents, same annotation mapping), so the converted
/// routes route the same requests to the same backends. Pure: text in, text out.
/// </summary>
public static class IngressConverter
{
    public static ConversionResult Convert(string file, string content, ConversionOptions options)
    {
        var parsed = ManifestParser.Parse(file, content);
        var errors = parsed.Errors.Select(e => e.ToString()).ToList();
        var report = parsed.Warnings.Select(w => "skipped: " + w).ToList();
        var ingresses = parsed.Objects.Select((o, i) => (Object: o, Line: parsed.Lines[i])).Where(x => x.Object is V1Ingress).ToList();
        foreach (var (other, line) in parsed.Objects.Select((o, i) => (o, parsed.Lines[i])).Where(x => x.o is not V1Ingress))
        {
            report.Add($"skipped: {file}:{line}: {other.GetType().Name.TrimStart('V', '1')} is not an Ingress; copy it as it is");
        }

        if (ingresses.Count == 0 && errors.Count == 0)
        {
            errors.Add($"{file}: no networking.k8s.io/v1 Ingress found");
        }

        var documents = new List<string>();
        foreach (var (item, line) in ingresses)
        {
            var ingress = (V1Ingress)item;
            var (intents, ingressReport) = IngressFrontEnd.ReadOne(ingress);
            var where = $"{file}:{line}: Ingress {ingressReport.Key}";
            errors.AddRange(ingressReport.Errors.Select(e => $"{where}: {e}"));
            if (ingressReport.Errors.Count > 0)
            {
                continue;
            }

            var notes = ingressReport.Annotations.ToList();
            IReadOnlyList<string> written = options.Target == ConversionTarget.GatewayApi
                ? GatewayApiWriter.Write(ingress, intents, options.Gateway!.Value, notes, errors, where)
                : WebSocketRouteWriter.Write(ingress, intents, notes);
            documents.AddRange(written);
            report.Add($"{where} → {written.Count} object(s)");
            report.AddRange(notes.OrderBy(n => n.Disposition).ThenBy(n => n.Annotation, StringComparer.Ordinal).Select(n => "  " + n));
        }

        return errors.Count > 0
            ? new ConversionResult(string.Empty, report, errors)
            : new ConversionResult(string.Join("---\n", documents), report, []);
    }

    /// <summary>The settings with no field in the target API: reported, never silently lost.</summary>
    internal static void NoteUnexpressed(IReadOnlyList<RouteIntent> intents, string target, List<AnnotationNote> notes)
    {
        if (intents.Count == 0)
        {
            return;
        }

        var settings = intents[0].Settings;
        if (!settings.SourceRanges.IsAny)
        {
            Replace(notes, "source-range", $"{target} has no source-range field: the converted route admits every client address (keep a NetworkPolicy, or serve the Ingress)");
        }

        if (intents.Any(i => i.Settings.RedirectToHttps))
        {
            notes.RemoveAll(n => n.Annotation == IngressAnnotations.Nginx + "ssl-redirect");
            notes.Add(new AnnotationNote(IngressAnnotations.Nginx + "ssl-redirect", AnnotationDisposition.Dropped,
                $"(on by default with TLS) {target} does not redirect http:// to https://: plain requests are served, not redirected"));
        }

        if (settings.MaxRequestBodyBytes is not null)
        {
            Replace(notes, "proxy-body-size", $"{target} has no body-size field: plain HTTP bodies get Kestrel's default limit (30 MB)");
        }
    }

    private static void Replace(List<AnnotationNote> notes, string fragment, string detail)
    {
        foreach (var note in notes.Where(n => n.Annotation.Contains(fragment, StringComparison.Ordinal)).ToList())
        {
            notes[notes.IndexOf(note)] = note with { Disposition = AnnotationDisposition.Dropped, Detail = detail };
        }
    }

    /// <summary>One name per intent: the Ingress's own name when it has one path, else name-RULE-PATH / name-default.</summary>
    internal static string NameOf(V1Ingress ingress, RouteIntent intent, int count)
    {
        if (count == 1)
        {
            return ingress.Metadata.Name;
        }

        var suffix = intent.Id[$"{IngressFrontEnd.Kind}:{intent.Origin.Key}/".Length..].Replace('/', '-');
        var name = $"{ingress.Metadata.Name}-{suffix}";
        return name.Length <= 253 ? name : name[..(253 - suffix.Length - 1)] + "-" + suffix;
    }
}
