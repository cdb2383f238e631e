// Declarations of the Durable Task abstractions that src/FunctionsMl.Functions/Retraining uses (see README.md).
// Source: microsoft/durabletask-dotnet, tag v1.25.0 (Microsoft.DurableTask.Abstractions, brought in by
// Worker.Extensions.DurableTask): src/Abstractions/{TaskOrchestrationContext,DataConverter,TaskName,TaskOptions,RetryPolicy,
// TaskFailedException,TaskFailureDetails}.cs. Every member used here exists since v1.8.0 (RetryPolicy.HandleFailure).
// TaskOrchestrationContext declares only the members the adapter uses (abstract or virtual as in the package), so
// the tests can subclass it. The data types store their values as the package does: the tests run the adapters.
using Microsoft.Extensions.Logging;

namespace Microsoft.DurableTask;

public abstract class TaskOrchestrationContext
{
    public abstract string InstanceId { get; }

    public abstract DateTime CurrentUtcDateTime { get; }

    public abstract T? GetInput<T>();

    public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

    public virtual ILogger CreateReplaySafeLogger(Type type) => throw new NotImplementedException();
}

public abstract class DataConverter
{
    public abstract string? Serialize(object? value);

    public abstract object? Deserialize(string? data, Type targetType);

    public virtual T? Deserialize<T>(string? data) => (T?)(Deserialize(data, typeof(T)) ?? default);
}

public readonly struct TaskName : IEquatable<TaskName>
{
    public TaskName(string name)
    {
        Name = name;
        Version = string.Empty;
    }

    public string Name { get; }

    public string Version { get; }

    public static implicit operator string(TaskName value) => value.Name;

    public static implicit operator TaskName(string value) => string.IsNullOrEmpty(value) ? default : new(value);

    public static bool operator ==(TaskName a, TaskName b) => a.Equals(b);

    public static bool operator !=(TaskName a, TaskName b) => !a.Equals(b);

    public bool Equals(TaskName other) => string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => obj is TaskName other && Equals(other);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Name ?? string.Empty);

    public override string ToString() => Name;
}

public record TaskOptions
{
    public TaskOptions(TaskRetryOptions? retry = null, IDictionary<string, string>? tags = null)
    {
        Retry = retry;
        Tags = tags;
    }

    public TaskRetryOptions? Retry { get; init; }

    public IDictionary<string, string>? Tags { get; init; }

    public static TaskOptions FromRetryPolicy(RetryPolicy policy) => new(policy);
}

public sealed class TaskRetryOptions
{
    public TaskRetryOptions(RetryPolicy policy)
    {
        Policy = policy;
    }

    public RetryPolicy? Policy { get; }

    public static implicit operator TaskRetryOptions(RetryPolicy policy) => FromRetryPolicy(policy);

    public static TaskRetryOptions FromRetryPolicy(RetryPolicy policy) => new(policy);
}

public class RetryPolicy
{
    public RetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0, TimeSpan? maxRetryInterval = null, TimeSpan? retryTimeout = null)
    {
        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
        Handle = _ => true;
    }

    public int MaxNumberOfAttempts { get; }

    public TimeSpan FirstRetryInterval { get; }

    public double BackoffCoefficient { get; }

    public TimeSpan MaxRetryInterval { get; }

    public TimeSpan RetryTimeout { get; }

    // The package's Handle receives DurableTask.Core's TaskFailedException, which is not declared here; its
    // FailureDetails are the same, so this stand-in lets the tests ask the policy which failures it retries.
    public Func<Exception, bool> Handle { get; private init; }

    public Func<TaskFailureDetails, bool> HandleFailure
    {
        init => Handle = exception => exception is TaskFailedException failed && value(failed.FailureDetails);
    }
}

public record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null);

public record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure, IDictionary<string, object?>? Properties);

public sealed class TaskFailedException : Exception
{
    public TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : base($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails;
    }

    public string TaskName { get; }

    public int TaskId { get; }

    public TaskFailureDetails FailureDetails { get; }
}
