using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// The orchestration port: everything <see cref="RetrainingOrchestration"/> may use, which is also all that
/// Durable Functions' <c>TaskOrchestrationContext</c> allows an orchestrator to use safely. The local host
/// implements it in-process (<see cref="LocalWorkflowRunner"/>); the Functions project adapts
/// <c>TaskOrchestrationContext</c> to it member by member.
/// </summary>
public interface IWorkflowContext
{
    /// <summary>The orchestration instance, <see cref="RetrainRequest.InstanceIdFor"/> the model.</summary>
    string InstanceId { get; }

    /// <summary>The orchestration's clock: the same value on every replay (<c>context.CurrentUtcDateTime</c>).</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>A logger that writes only when the orchestration is not replaying (<c>context.CreateReplaySafeLogger</c>).</summary>
    ILogger ReplaySafeLogger { get; }

    /// <summary>
    /// Runs an activity (<see cref="RetrainingActivityNames"/>) with <paramref name="input"/>, retrying transient
    /// failures (<see cref="TransientFailures"/>) as <paramref name="retry"/> says
    /// (<c>context.CallActivityAsync&lt;T&gt;(name, input, TaskOptions.FromRetryPolicy(...))</c>).
    /// </summary>
    /// <exception cref="Exception">The activity failed: its last exception, or the host's wrapper of it (Durable's <c>TaskFailedException</c>).</exception>
    Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry retry);
}
