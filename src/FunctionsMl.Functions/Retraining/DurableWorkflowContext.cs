using FunctionsMl.Serving.Retraining;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Functions.Retraining;

/// <summary>
/// The shared orchestration port over Durable Functions' <see cref="TaskOrchestrationContext"/>. Everything it does is
/// replay-safe: the context's clock and logger, and activities scheduled through the context.
/// </summary>
public sealed class DurableWorkflowContext(TaskOrchestrationContext context) : IWorkflowContext
{
    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public ILogger ReplaySafeLogger { get; } = context.CreateReplaySafeLogger(typeof(RetrainingOrchestration));

    /// <summary>
    /// Calls the activity function of the same name. Only transient failures are retried (by the failure's type name,
    /// all Durable reports); a failure that is final surfaces with the activity's own message, as it does locally.
    /// </summary>
    public async Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        var policy = new RetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval)
        {
            HandleFailure = failure => TransientFailures.IsTransientTypeName(failure.ErrorType),
        };
        try
        {
            return await context.CallActivityAsync<TResult>(activityName, input, TaskOptions.FromRetryPolicy(policy));
        }
        catch (TaskFailedException e)
        {
            throw new ActivityFailedException(activityName, e.FailureDetails.ErrorType, e.FailureDetails.ErrorMessage, e);
        }
    }
}
