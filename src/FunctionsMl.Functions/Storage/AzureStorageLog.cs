using Microsoft.Extensions.Logging;

namespace FunctionsMl.Functions.Storage;

/// <summary>Log messages of the blob store (event ids 1100-1199; the shared storage layer has 1000-1099).</summary>
internal static partial class AzureStorageLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Skipped blob {Path} while listing: its name is not a valid object path")]
    public static partial void SkippedUnaddressableBlob(ILogger logger, string path);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Did not create container {Container}: the identity may not create containers, so it is taken to exist")]
    public static partial void CannotCreateContainer(ILogger logger, string container, Exception exception);
}
