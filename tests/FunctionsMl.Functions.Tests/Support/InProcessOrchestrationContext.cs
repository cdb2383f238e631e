using System.Reflection;
using Azure.Core.Serialization;
using FunctionsMl.Functions.Tests.Metadata;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Functions.Tests.Support;

/// <summary>One activity call the orchestrator made: the name and the retry policy it asked for.</summary>
public sealed record ActivityCall(string Name, RetryPolicy? Retry);

/// <summary>
/// Stands in for the Durable runtime around one orchestration: an activity call runs the app's own
/// <c>[ActivityTrigger]</c> function of that name (found as the worker finds it, built from the app's services), with
/// its input and output passing through the worker's serializer as they pass through the task hub's history, and a
/// failure retried as the policy says, then surfaced as <see cref="TaskFailedException"/>.
/// </summary>
internal sealed class InProcessOrchestrationContext : TaskOrchestrationContext
{
    private readonly IServiceProvider _services;
    private readonly ObjectSerializer _serializer;
    private readonly BinaryData _input;
    private readonly DateTime _now;
    private int _taskId;

    public InProcessOrchestrationContext(IServiceProvider services, string instanceId, object input, DateTime now)
    {
        _services = services;
        _serializer = services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer
            ?? throw new InvalidOperationException("The app sets no worker serializer.");
        InstanceId = instanceId;
        _input = _serializer.Serialize(input, input.GetType());
        _now = now;
    }

    public List<ActivityCall> Calls { get; } = [];

    /// <summary>Activity names that fail with an <see cref="IOException"/> the first time they run.</summary>
    public HashSet<string> FailOnce { get; } = new(StringComparer.Ordinal);

    public override string InstanceId { get; }

    public override DateTime CurrentUtcDateTime => _now;

    public override T? GetInput<T>()
        where T : default => (T?)_serializer.Deserialize(_input.ToStream(), typeof(T), CancellationToken.None);

    public override ILogger CreateReplaySafeLogger(Type type) => NullLogger.Instance;

    public override async Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var policy = options?.Retry?.Policy;
        Calls.Add(new ActivityCall(name.Name, policy));
        var function = FunctionCatalog.App.Single(f => f.Name == name.Name && f.Trigger?.Kind == "ActivityTrigger");
        var method = function.Target!;
        var history = _serializer.Serialize(input, input?.GetType() ?? typeof(object));
        for (var attempt = 1; ; attempt++)
        {
            var taskId = ++_taskId;
            try
            {
                var output = await InvokeAsync(method, history);
                return (TResult)_serializer.Deserialize(_serializer.Serialize(output, typeof(TResult)).ToStream(), typeof(TResult), CancellationToken.None)!;
            }
            catch (Exception e)
            {
                var failure = new TaskFailedException(name.Name, taskId, new TaskFailureDetails(e.GetType().FullName!, e.Message, e.StackTrace, null, null));
                if (policy is null || attempt >= policy.MaxNumberOfAttempts || !policy.Handle(failure))
                {
                    throw failure;
                }
            }
        }
    }

    private async Task<object?> InvokeAsync(MethodInfo method, BinaryData history)
    {
        if (FailOnce.Remove(method.GetCustomAttribute<FunctionAttribute>()!.Name))
        {
            throw new IOException("The store did not answer (simulated).");
        }

        var instance = ActivatorUtilities.CreateInstance(_services, method.DeclaringType!);
        var arguments = method.GetParameters().Select(p => p.ParameterType == typeof(CancellationToken)
            ? (object?)CancellationToken.None
            : _serializer.Deserialize(history.ToStream(), p.ParameterType, CancellationToken.None)).ToArray();
        try
        {
            var task = (Task)method.Invoke(instance, arguments)!;
            await task;
            return task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
