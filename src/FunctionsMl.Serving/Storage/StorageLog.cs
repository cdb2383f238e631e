using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Storage;

/// <summary>Log messages of the storage layer (event ids 1000-1099).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Removed temporary file {File} left by an interrupted write")]
    public static partial void RemovedAbandonedTemporaryFile(ILogger logger, string file);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Could not remove temporary file {File}")]
    public static partial void CouldNotRemoveTemporaryFile(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Skipped {Path} while listing: it is not a readable object of this store")]
    public static partial void SkippedUnreadableFile(ILogger logger, string path, Exception exception);
}
