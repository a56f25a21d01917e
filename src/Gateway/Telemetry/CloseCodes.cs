namespace Sockway.Gateway.Telemetry;

/// <summary>
/// Close codes as metric label values, from a fixed set whatever a peer sends: the standard codes 1000–1015 by
/// number, the registered and private ranges as "3000-3999" and "4000-4999", anything else "invalid", no Close "none".
/// </summary>
public static class CloseCodes
{
    public const string None = "none";
    public const string Registered = "3000-3999";
    public const string Private = "4000-4999";
    public const string Invalid = "invalid";

    private static readonly string[] Standard = Enumerable.Range(1000, 16).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static string Label(int? code) => code switch
    {
        null => None,
        >= 1000 and <= 1015 => Standard[code.Value - 1000],
        >= 3000 and <= 3999 => Registered,
        >= 4000 and <= 4999 => Private,
        _ => Invalid,
    };

    /// <summary>
    /// Codes a peer may put in a Close frame: 1000–1003, 1007–1014 and 3000–4999. 1004 is reserved, 1005, 1006 and
    /// 1015 only ever describe a close locally, and everything else is unassigned.
    /// </summary>
    public static bool IsSendable(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
