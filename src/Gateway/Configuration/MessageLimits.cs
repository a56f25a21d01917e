namespace Sockway.Gateway.Configuration;

/// <summary>
/// Caps on WebSocket data frames and messages, in wire bytes (payload lengths as the frame headers give them, so a
/// compressed message counts at its compressed size), applied to each direction. Null: no cap.
/// </summary>
public sealed record MessageLimits(long? MaxFrameBytes = null, long? MaxMessageBytes = null)
{
    public static MessageLimits None { get; } = new();

    public bool Any => MaxFrameBytes is not null || MaxMessageBytes is not null;
}
