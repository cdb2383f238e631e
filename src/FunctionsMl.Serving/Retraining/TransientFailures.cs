using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// Which activity failures are worth retrying: those of the storage and network underneath (a storage
/// hiccup, a lock timeout, a lost race on a non-CAS write), not the user's (a bad definition, malformed
/// data), which fail the same way every time and are reported at once.
/// </summary>
public static class TransientFailures
{
    /// <summary>Type names of transient failures, for hosts that only see the name (Durable's <c>TaskFailureDetails.ErrorType</c>).</summary>
    private static readonly HashSet<string> TransientTypeNames = new(StringComparer.Ordinal)
    {
        typeof(IOException).FullName!,
        typeof(TimeoutException).FullName!,
        typeof(HttpRequestException).FullName!,
        typeof(PreconditionFailedException).FullName!,
        typeof(UnauthorizedAccessException).FullName!,
    };

    /// <summary>Whether another attempt may succeed where this one failed.</summary>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OperationCanceledException => false,
            FileNotFoundException or DirectoryNotFoundException or PathTooLongException or EndOfStreamException => false,
            IOException or TimeoutException or HttpRequestException or PreconditionFailedException => true,

            // A file locked by an antivirus scanner or an indexer on Windows.
            UnauthorizedAccessException => true,
            _ => false,
        };
    }

    /// <summary>
    /// The same decision from the failure's exact type name (e.g. <c>System.IO.IOException</c>); subclasses are
    /// not recognised by name, so a host that only sees names retries a little less than the local runner.
    /// </summary>
    public static bool IsTransientTypeName(string? fullTypeName) =>
        fullTypeName is not null && TransientTypeNames.Contains(fullTypeName);
}
