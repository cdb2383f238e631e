// Declarations of the Durable Task client that src/FunctionsMl.Functions/Retraining uses (see README.md).
// Source: microsoft/durabletask-dotnet, tag v1.25.0 (Microsoft.DurableTask.Client, brought in by
// Worker.Extensions.DurableTask): src/Client/Core/{DurableTaskClient,OrchestrationMetadata,OrchestrationRuntimeStatus}.cs.
// OrchestrationMetadata.ReadInputAs reads through its DataConverter, as in the package.
// DurableTaskClient declares only the members the adapter calls, with the package's virtual/abstract modifiers,
// so the tests can subclass it.
namespace Microsoft.DurableTask.Client;

public abstract class DurableTaskClient
{
    protected DurableTaskClient(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public abstract Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default);

    public virtual Task<OrchestrationMetadata?> GetInstanceAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        throw new NotImplementedException();
}

public sealed class OrchestrationMetadata
{
    public OrchestrationMetadata(string name, string instanceId)
    {
        Name = name;
        InstanceId = instanceId;
    }

    public string Name { get; }

    public string InstanceId { get; }

    public DataConverter? DataConverter { get; init; }

    public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

    public string? SerializedInput { get; init; }

    public T? ReadInputAs<T>() =>
        DataConverter is null
            ? throw new InvalidOperationException("The ReadInputAs method can only be used on OrchestrationMetadata objects that are fetched with the option to include input data.")
            : DataConverter.Deserialize<T>(SerializedInput);
}

public enum OrchestrationRuntimeStatus
{
    Running,

    Completed,

    [Obsolete("The ContinuedAsNew status is obsolete and exists only for compatibility reasons.")]
    ContinuedAsNew,

    Failed,

    [Obsolete("The Canceled status is not currently used and exists only for compatibility reasons.")]
    Canceled,

    Terminated,

    Pending,

    Suspended,
}
