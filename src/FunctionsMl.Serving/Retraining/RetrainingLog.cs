using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Retraining;

/// <summary>Log messages of the retraining workflow (event ids 1520-1569).</summary>
internal static partial class RetrainingLog
{
    [LoggerMessage(EventId = 1520, Level = LogLevel.Information, Message = "Model {Model} run {RunId}: {Message}")]
    public static partial void Progress(ILogger logger, string model, string runId, string message);

    [LoggerMessage(EventId = 1521, Level = LogLevel.Information, Message = "Model {Model} run {RunId}: gate says {Verdict}: {Reason}")]
    public static partial void GateDecided(ILogger logger, string model, string runId, GateVerdict verdict, string reason);

    [LoggerMessage(EventId = 1522, Level = LogLevel.Warning, Message = "Model {Model} run {RunId} failed in {Step}: {Error}")]
    public static partial void RunFailed(ILogger logger, string model, string runId, string step, string error);

    [LoggerMessage(EventId = 1523, Level = LogLevel.Warning, Message = "Activity {Activity} failed on attempt {Attempt} of {MaxAttempts}; retrying in {Delay}")]
    public static partial void ActivityRetrying(ILogger logger, string activity, int attempt, int maxAttempts, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1524, Level = LogLevel.Information, Message = "Model {Model}: run {RunId} started ({Trigger})")]
    public static partial void RunStarted(ILogger logger, string model, string runId, RunTrigger trigger);

    [LoggerMessage(EventId = 1525, Level = LogLevel.Information, Message = "Model {Model}: not starting a {Trigger} run, run {RunId} is already running")]
    public static partial void AlreadyRunning(ILogger logger, string model, RunTrigger trigger, string runId);

    [LoggerMessage(EventId = 1526, Level = LogLevel.Warning, Message = "Model {Model}: run {RunId} was interrupted: {Reason}")]
    public static partial void RunInterrupted(ILogger logger, string model, string runId, string reason);

    [LoggerMessage(EventId = 1527, Level = LogLevel.Error, Message = "Model {Model}: run {RunId} lost its lock (taken over as stale); cancelling it")]
    public static partial void LockLost(ILogger logger, string model, string runId);

    [LoggerMessage(EventId = 1528, Level = LogLevel.Warning, Message = "Model {Model}: could not renew the lock of run {RunId}; will try again")]
    public static partial void RenewFailed(ILogger logger, string model, string runId, Exception exception);

    [LoggerMessage(EventId = 1529, Level = LogLevel.Error, Message = "Model {Model}: could not record the end of run {RunId}")]
    public static partial void RecordingFailed(ILogger logger, string model, string runId, Exception exception);

    [LoggerMessage(EventId = 1530, Level = LogLevel.Warning, Message = "Model {Model}: could not tidy up after run {RunId}")]
    public static partial void TidyUpFailed(ILogger logger, string model, string runId, Exception exception);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Information, Message = "Model {Model}: run {RunId} {Status}: {Summary}")]
    public static partial void RunFinished(ILogger logger, string model, string runId, RunStatus status, string summary);

    [LoggerMessage(EventId = 1540, Level = LogLevel.Error, Message = "Model {Model} is not scheduled: {Problem}")]
    public static partial void InvalidSchedule(ILogger logger, string model, string problem);

    [LoggerMessage(EventId = 1541, Level = LogLevel.Information, Message = "Model {Model}: scheduled run {RunId} started ({Schedule})")]
    public static partial void ScheduledRunStarted(ILogger logger, string model, string runId, string schedule);

    [LoggerMessage(EventId = 1542, Level = LogLevel.Information, Message = "Model {Model}: scheduled run skipped, run {RunId} is still running")]
    public static partial void ScheduledRunSkipped(ILogger logger, string model, string runId);

    [LoggerMessage(EventId = 1543, Level = LogLevel.Error, Message = "Model {Model}: scheduled run could not start: {Problem}")]
    public static partial void ScheduledRunFailed(ILogger logger, string model, string problem);

    [LoggerMessage(EventId = 1544, Level = LogLevel.Warning, Message = "Another instance checked the retraining schedules up to {CheckedUntil} meanwhile; its mark stands")]
    public static partial void ScheduleMarkTaken(ILogger logger, DateTimeOffset checkedUntil);

    [LoggerMessage(EventId = 1545, Level = LogLevel.Warning, Message = "Model {Model}: the orchestration of run {RunId} could not be started; the run is recorded as failed")]
    public static partial void OrchestrationStartFailed(ILogger logger, string model, string runId, Exception exception);
}
