using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Traffic;

/// <summary>Log messages of traffic policies and shadow scoring (event ids 1700-1749).</summary>
internal static partial class TrafficLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Model {Model}: traffic policy changed from {From} to {To} by {By}: {Reason}")]
    public static partial void PolicyChanged(ILogger logger, string model, string from, string to, string by, string reason);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "Model {Model}: a traffic policy change listener failed")]
    public static partial void ChangedHandlerFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Warning, Message = "Model {Model}: checking the traffic policy failed; serving with the policy read before")]
    public static partial void RefreshFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "Model {Model}: traffic target {Target} cannot serve ({Reason}); served by production instead")]
    public static partial void FellBackToProduction(ILogger logger, string model, string target, string reason);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Information, Message = "Model {Model}: shadow version {ShadowVersion} answered request {RequestId} in {ElapsedMs:0.###} ms: {Shadow} (served by version {ServedVersion}: {Served})")]
    public static partial void ShadowAnswered(ILogger logger, string model, string shadowVersion, string requestId, double elapsedMs, string shadow, string servedVersion, string served);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Warning, Message = "Model {Model}: shadow target {Target} failed on request {RequestId}")]
    public static partial void ShadowFailed(ILogger logger, string model, string target, string requestId, Exception exception);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Warning, Message = "Model {Model}: the shadow queue is full; dropped a copy for {Target} ({Dropped} dropped since start)")]
    public static partial void ShadowDropped(ILogger logger, string model, string target, long dropped);
}
