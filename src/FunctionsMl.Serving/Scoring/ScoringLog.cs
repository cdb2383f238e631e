using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Scoring;

/// <summary>Log messages of file and message scoring (event ids 1300-1399).</summary>
internal static partial class ScoringLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Scored {Input} with {Model} version {Version}: {Rows} rows, {Scored} scored, {Rejected} rejected, in {Seconds:F2} s")]
    public static partial void FileScored(ILogger logger, string input, string model, string version, long rows, long scored, long rejected, double seconds);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Could not score {Input} ({Kind}): {Reason}; moved to {FailedCopy}")]
    public static partial void FileFailed(ILogger logger, string input, ScoringFailureKind kind, string reason, string failedCopy);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "{Input} (ETag {ETag}) was already handled; nothing to do")]
    public static partial void AlreadyHandled(ILogger logger, string input, string eTag);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Debug, Message = "{Input} is being scored by another scorer; waiting for it")]
    public static partial void WaitingForOtherScorer(ILogger logger, string input);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Lost the claim on {Input} to another scorer; its result will stand")]
    public static partial void LeaseLost(ILogger logger, string input);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Information, Message = "{Input} was replaced while being scored; scoring the new version")]
    public static partial void InputReplaced(ILogger logger, string input);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Debug, Message = "{Input} is gone; it was handled already or deleted")]
    public static partial void InputGone(ILogger logger, string input);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Information, Message = "Scored message {RequestId} with {Model} version {Version}: {Rows} rows")]
    public static partial void MessageScored(ILogger logger, string requestId, string model, string version, int rows);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Information, Message = "Message {RequestId} for {Model}: rows do not fit the model; answering with an error result")]
    public static partial void MessageRowsRejected(ILogger logger, string requestId, string model);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Error, Message = "Message {MessageId} set aside on {PoisonQueue}: {Reason}")]
    public static partial void MessageSetAside(ILogger logger, string messageId, string poisonQueue, string reason);
}
