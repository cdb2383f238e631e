using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>Log messages of monitoring, prediction logging and feedback (event ids 1750-1799).</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 1750, Level = LogLevel.Warning, Message = "Model {Model}: writing {Lines} line(s) to {Path} failed; they are not stored")]
    public static partial void FlushFailed(ILogger logger, string model, string path, int lines, Exception exception);

    [LoggerMessage(EventId = 1751, Level = LogLevel.Information, Message = "Model {Model}: {Rows} feedback row(s) joined ({Versions})")]
    public static partial void FeedbackJoined(ILogger logger, string model, int rows, string versions);

    [LoggerMessage(EventId = 1752, Level = LogLevel.Error, Message = "Flushing prediction logs and feedback failed")]
    public static partial void FlushLoopFailed(ILogger logger, Exception exception);
}
