using System.Globalization;

namespace Sockway.Bench;

/// <summary>
/// CPU time (user + system) of the measured peer's processes, from /proc/&lt;pid&gt;/stat, sampled around a measured
/// window: CPU per operation is steadier than throughput on a shared machine, where client, backends and proxy compete
/// for the same cores. <c>--pid a,b,c</c> (nginx's master and workers are summed); none given: not measured.
/// </summary>
internal sealed class ProcessCpu
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;
    private readonly int[] _pids;
    private long _startTicks;

    public ProcessCpu(Options options) =>
        _pids = options.Get("pid", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).Where(p => p > 0).ToArray();

    public void Start() => _startTicks = Ticks();

    /// <summary>Microseconds of the peer's CPU per operation since <see cref="Start"/>; NaN when no pid was given.</summary>
    public double MicrosecondsPer(long operations) =>
        _pids.Length == 0 || operations <= 0 ? double.NaN : (Ticks() - _startTicks) * 1e6 / TicksPerSecond / operations;

    private long Ticks() => _pids.Sum(pid =>
    {
        try
        {
            // Fields after the command name (which may contain spaces, so split after its closing parenthesis):
            // state is field 3, utime 14, stime 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0L; // A worker that exited: its time is gone with it.
        }
    });
}
