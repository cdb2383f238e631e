using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Caching;

/// <summary>Log messages of the predictor cache (event ids 1200-1299).</summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} in {ElapsedMs} ms")]
    public static partial void Loaded(ILogger logger, string model, string version, long elapsedMs);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Could not load model {Model} version {Version} (failure {Attempt}); next try after {RetryAfter}")]
    public static partial void LoadFailed(ILogger logger, string model, string version, int attempt, DateTimeOffset retryAfter, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Model {Model}: alias {Alias} now serves version {Version} (was {Previous})")]
    public static partial void Swapped(ILogger logger, string model, string alias, string version, string? previous);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Model {Model}: alias {Alias} points to version {Target}, which does not load; still serving version {Serving}")]
    public static partial void KeptPrevious(ILogger logger, string model, string alias, string target, string serving);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Debug, Message = "Evicted model {Model} version {Version} (least recently used, no alias points to it)")]
    public static partial void Evicted(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Model {Model}: checking for alias changes failed; serving what is loaded and trying again later")]
    public static partial void RefreshFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "{Loaded} model versions are loaded, over the limit of {Limit}, because aliases point to all of them")]
    public static partial void OverCapacity(ILogger logger, int loaded, int limit);
}
