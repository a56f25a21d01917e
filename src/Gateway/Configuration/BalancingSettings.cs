namespace Sockway.Gateway.Configuration;

public enum BalancingPolicy
{
    LeastConnections,
    PowerOfTwoLeastConnections,
    RoundRobin,
    ConsistentHash,
}

public enum HashKeySource
{
    Header,
    Cookie,
    Query,
}

public sealed record HashKey(HashKeySource Source, string Name);

public sealed record BalancingSettings(BalancingPolicy Policy, HashKey? HashKey = null)
{
    public static BalancingSettings Default { get; } = new(BalancingPolicy.LeastConnections);

    /// <summary>A new endpoint's share ramps up over this window instead of taking every new connection at once.</summary>
    public TimeSpan SlowStart { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// ConsistentHash: no endpoint takes more than this percentage of the mean load. Null (the default) keeps strict
    /// affinity: every connection with one key goes to one endpoint, however many there are.
    /// </summary>
    public int? BoundedLoadPercent { get; init; }

    /// <summary>Null when rebalancing is off (the default).</summary>
    public RebalanceSettings? Rebalance { get; init; }
}

/// <summary>Shedding connections from overloaded endpoints after a scale-up (Close 1012, paced).</summary>
public sealed record RebalanceSettings(int ThresholdPercent, int MaxClosesPercent, TimeSpan Interval)
{
    public static RebalanceSettings Default { get; } = new(120, 1, TimeSpan.FromSeconds(10));
}
