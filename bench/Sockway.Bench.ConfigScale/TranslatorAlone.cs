using System.Diagnostics;
using k8s.Models;
using Sockway.Controller.Snapshots;
using Sockway.Controller.Translation;

namespace Sockway.Bench.ConfigScale;

/// <summary>
/// The translator alone on the loaded snapshot: from scratch (what every change cost before: Translator.Translate on
/// the whole snapshot) against the incremental core for one endpoint change and one route change. Medians of 7.
/// </summary>
internal static class TranslatorAlone
{
    public static string Measure(ClusterSnapshot snapshot)
    {
        var scratch = Median(7, () => Translator.Translate(snapshot));
        var incremental = new IncrementalTranslator();
        incremental.Translate(snapshot);
        var slice = snapshot.EndpointSlices[0];
        var route = snapshot.Routes[^1];
        var toggle = false;
        var endpoint = Median(7, () =>
        {
            // A new slice object (a new version), as a source hands on for a changed slice.
            toggle = !toggle;
            var changed = new V1EndpointSlice
            {
                Metadata = slice.Metadata,
                AddressType = slice.AddressType,
                Ports = slice.Ports,
                Endpoints = toggle ? slice.Endpoints.Take(1).ToList() : slice.Endpoints,
            };
            incremental.Translate(snapshot with { EndpointSlices = [changed, .. snapshot.EndpointSlices.Skip(1)] });
        });
        // The same, with the source's list of what changed (as the directory source publishes a rewritten file).
        var listed = new IncrementalTranslator();
        var last = snapshot;
        listed.Translate(last);
        var endpointListed = Median(7, () =>
        {
            toggle = !toggle;
            var changed = new V1EndpointSlice
            {
                Metadata = slice.Metadata,
                AddressType = slice.AddressType,
                Ports = slice.Ports,
                Endpoints = toggle ? slice.Endpoints.Take(1).ToList() : slice.Endpoints,
            };
            var change = new ObjectChange(typeof(V1EndpointSlice), slice.Metadata.NamespaceProperty ?? "default", slice.Metadata.Name, changed);
            last = last with { EndpointSlices = [changed, .. last.EndpointSlices.Skip(1)], Changes = new ObjectChanges(last, [change]) };
            listed.Translate(last);
        });
        var routeChange = Median(7, () =>
        {
            toggle = !toggle;
            var changed = new Sockway.Controller.Api.V1Alpha1.WebSocketRoute
            {
                Metadata = route.Metadata,
                Spec = new() { Path = toggle ? route.Spec.Path + "-v2" : route.Spec.Path, Backend = route.Spec.Backend },
            };
            incremental.Translate(snapshot with { Routes = [.. snapshot.Routes.SkipLast(1), changed] });
        });
        return $"| translator alone, from scratch (every change before) | {scratch:F1} ms |\n"
            + $"| translator alone, incremental: one endpoint change / one route change | {endpoint:F2} ms ({scratch / endpoint:F0}x less) / {routeChange:F1} ms ({scratch / routeChange:F1}x less) |\n"
            + $"| translator alone, incremental with the source's change list: one endpoint change | {endpointListed:F2} ms ({scratch / endpointListed:F0}x less) |\n";
    }

    private static double Median(int runs, Action action)
    {
        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        samples.Sort();
        return samples[runs / 2];
    }
}
