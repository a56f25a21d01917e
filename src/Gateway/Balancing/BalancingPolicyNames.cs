using Sockway.Gateway.Configuration;

namespace Sockway.Gateway.Balancing;

/// <summary>The YARP load-balancing policy name registered for each Sockway policy.</summary>
internal static class BalancingPolicyNames
{
    public const string LeastConnections = "Sockway.LeastConnections";
    public const string PowerOfTwoLeastConnections = "Sockway.PowerOfTwoLeastConnections";
    public const string RoundRobin = "Sockway.RoundRobin";
    public const string ConsistentHash = "Sockway.ConsistentHash";

    public static string For(BalancingPolicy policy) => policy switch
    {
        BalancingPolicy.LeastConnections => LeastConnections,
        BalancingPolicy.PowerOfTwoLeastConnections => PowerOfTwoLeastConnections,
        BalancingPolicy.RoundRobin => RoundRobin,
        BalancingPolicy.ConsistentHash => ConsistentHash,
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };
}
