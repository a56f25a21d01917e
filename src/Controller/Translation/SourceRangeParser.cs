using System.Net;

namespace Sockway.Controller.Translation;

/// <summary>CIDR ranges as users write them ("10.0.0.0/8", a bare address for one host); each bad one an error naming the field.</summary>
internal static class SourceRangeParser
{
    public const int MaxRanges = 256;

    public static IReadOnlyList<IPNetwork> Parse(IEnumerable<string?>? items, string field, List<string> errors)
    {
        var ranges = new List<IPNetwork>();
        foreach (var (item, i) in (items ?? []).Select((x, i) => (x?.Trim(), i)))
        {
            if (i >= MaxRanges)
            {
                errors.Add($"{field}: more than {MaxRanges} ranges");
                break;
            }

            var cidr = item is null || item.Contains('/') ? item : item + (item.Contains(':') ? "/128" : "/32");
            if (cidr is { Length: <= 64 } && IPNetwork.TryParse(cidr, out var network))
            {
                ranges.Add(network);
            }
            else
            {
                errors.Add($"{field}: '{Ingresses.IngressAnnotations.Clip(item)}' is not an address or CIDR range (such as 10.0.0.0/8)");
            }
        }

        return ranges;
    }
}
