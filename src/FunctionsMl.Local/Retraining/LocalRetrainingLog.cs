using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Local.Retraining;

/// <summary>Log messages of the local host's retraining services (event ids 1570-1599).</summary>
internal static partial class LocalRetrainingLog
{
    [LoggerMessage(EventId = 1570, Level = LogLevel.Information, Message = "Model {Model} has no production version; training it now")]
    public static partial void TrainingOnStartup(ILogger logger, string model);

    [LoggerMessage(EventId = 1571, Level = LogLevel.Information, Message = "Model {Model}: start-up run {RunId} {Status}: {Summary}")]
    public static partial void StartupRunEnded(ILogger logger, string model, string runId, RunStatus status, string summary);

    [LoggerMessage(EventId = 1572, Level = LogLevel.Warning, Message = "Model {Model}: no start-up run: {Reason}")]
    public static partial void StartupRunSkipped(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 1573, Level = LogLevel.Information, Message = "--no-train: models without a production version are not trained on start")]
    public static partial void StartupTrainingSkipped(ILogger logger);

    [LoggerMessage(EventId = 1574, Level = LogLevel.Error, Message = "Could not publish the model folder {Directory}: {Problem}")]
    public static partial void PublishFailed(ILogger logger, string directory, string problem);

    [LoggerMessage(EventId = 1575, Level = LogLevel.Information, Message = "No models folder at {Path}; serving what the store holds")]
    public static partial void NoModelsFolder(ILogger logger, string path);

    [LoggerMessage(EventId = 1576, Level = LogLevel.Error, Message = "Start-up publishing or training failed")]
    public static partial void BootstrapFailed(ILogger logger, Exception exception);





    [LoggerMessage(EventId = 1581, Level = LogLevel.Error, Message = "The retraining scheduler failed; it tries again shortly")]
    public static partial void SchedulerFailed(ILogger logger, Exception exception);
}
