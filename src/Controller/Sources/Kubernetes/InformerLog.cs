using Microsoft.Extensions.Logging;

namespace Sockway.Controller.Sources.Kubernetes;

/// <summary>The informer's log messages (kept apart because the informer is generic).</summary>
internal static partial class InformerLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {Informer}: {Count} object(s) at resourceVersion {ResourceVersion}, {Changes} change(s)")]
    public static partial void Listed(ILogger logger, string informer, int count, string resourceVersion, int changes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch of {Informer} ended by the server at resourceVersion {ResourceVersion}; resuming")]
    public static partial void WatchClosed(ILogger logger, string informer, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Bookmark for {Informer} at resourceVersion {ResourceVersion}")]
    public static partial void Bookmark(ILogger logger, string informer, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Informer} delivered nothing for too long; reconnecting")]
    public static partial void WatchStalled(ILogger logger, string informer);

    [LoggerMessage(Level = LogLevel.Information, Message = "resourceVersion of {Informer} expired (410 Gone); listing again")]
    public static partial void Expired(ILogger logger, string informer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Informer} failed ({Failures} in a row), retrying in {DelayMs:F0} ms; the last known objects keep serving: {Problem}")]
    public static partial void Failed(ILogger logger, string informer, int failures, double delayMs, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Informer} failed ({Failures} in a row), retrying in {DelayMs:F0} ms; nothing is served from it until its first list succeeds: {Problem}")]
    public static partial void FailedBeforeFirstList(ILogger logger, string informer, int failures, double delayMs, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Informer} still failing ({Failures} in a row), retrying in {DelayMs:F0} ms: {Problem}")]
    public static partial void StillFailing(ILogger logger, string informer, int failures, double delayMs, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Informer} is now {State}")]
    public static partial void StateChanged(ILogger logger, string informer, InformerSyncState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Informer}: skipped malformed {Object}: {Problem}")]
    public static partial void MalformedObject(ILogger logger, string informer, string @object, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Informer}: ignored watch event of unknown type {Type}")]
    public static partial void UnknownEvent(ILogger logger, string informer, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Informer} is not available, so nothing of it is served (the rest is); checked again later. Gateway API needs its CRDs installed (README: Gateway API): {Problem}")]
    public static partial void ApiAbsent(ILogger logger, string informer, string problem);
}
