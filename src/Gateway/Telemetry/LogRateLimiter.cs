namespace Sockway.Gateway.Telemetry;

/// <summary>
/// Lets at most N log lines through per second and counts the rest, so a flood of bad handshakes cannot flood
/// the log; the next line that passes reports how many were suppressed.
/// </summary>
public sealed class LogRateLimiter(int perSecond, TimeProvider time)
{
    private readonly object _gate = new();
    private long _windowStart;
    private int _inWindow;
    private long _suppressed;

    /// <summary>True if this line may be logged; <paramref name="suppressed"/> is how many were dropped since the last one.</summary>
    public bool TryAcquire(out long suppressed)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (_inWindow < perSecond)
            {
                _inWindow++;
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressed = 0;
            return false;
        }
    }
}
