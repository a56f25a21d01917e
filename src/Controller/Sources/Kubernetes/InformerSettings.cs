namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>Timing shared by every informer, taken from <see cref="KubernetesSourceOptions"/>.</summary>
public sealed record InformerSettings(TimeSpan WatchTimeout, TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    /// <summary>The longest wait between tries while the API server cannot be reached at all (see Informer.NextDelay).</summary>
    public TimeSpan ReconnectCeiling => MaxBackoff < TimeSpan.FromSeconds(1) ? MaxBackoff : TimeSpan.FromSeconds(1);

    public static InformerSettings From(KubernetesSourceOptions options) => new(options.WatchTimeout, options.InitialBackoff, options.MaxBackoff);

    /// <summary>Exponential backoff with jitter, so replicas that lost the API server together do not retry in lockstep.</summary>
    public TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(Math.Max(failures - 1, 0), 16);
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }
}
