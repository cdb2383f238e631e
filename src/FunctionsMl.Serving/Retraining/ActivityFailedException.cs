namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// An activity failed in a host that reports failures by type name and message only (Durable Functions'
/// <c>TaskFailedException</c>). The message is the activity's own, so a run records the same error in every host.
/// </summary>
/// <param name="activityName">One of <see cref="RetrainingActivityNames"/>.</param>
/// <param name="errorType">The full type name of the activity's exception, e.g. <c>System.IO.IOException</c>.</param>
public sealed class ActivityFailedException(string activityName, string errorType, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string ActivityName { get; } = activityName;

    public string ErrorType { get; } = errorType;
}
