using System.Text.Json;
using FunctionsMl.Serving.Retraining;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionsMl.Functions.Tests.Support;

/// <summary>One orchestration the app scheduled: orchestrator, instance id and input as passed.</summary>
public sealed record ScheduledOrchestration(string Orchestrator, string InstanceId, object? Input);

/// <summary>
/// A Durable client over an in-memory instance table: scheduling records the call and makes the instance pending, as
/// the task hub would. <see cref="RefuseNextStart"/> makes the next schedule fail as the Azure Storage backend does when
/// an active instance with the id exists.
/// </summary>
public sealed class RecordingDurableClient() : DurableTaskClient("tests")
{
    private readonly Dictionary<string, OrchestrationRuntimeStatus> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _inputs = new(StringComparer.Ordinal);
    private readonly JsonDataConverter _converter = new();

    public List<ScheduledOrchestration> Scheduled { get; } = [];

    public bool RefuseNextStart { get; set; }

    public void SetStatus(string instanceId, OrchestrationRuntimeStatus status) => _instances[instanceId] = status;

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        string instanceId = options?.InstanceId ?? throw new ArgumentException("The app always names its instances.", nameof(options));
        if (RefuseNextStart)
        {
            RefuseNextStart = false;
            _instances[instanceId] = OrchestrationRuntimeStatus.Running;
            throw new InvalidOperationException($"An orchestration with the instance ID '{instanceId}' already exists and is running.");
        }

        Scheduled.Add(new ScheduledOrchestration(orchestratorName.Name, instanceId, input));
        _instances[instanceId] = OrchestrationRuntimeStatus.Pending;
        _inputs[instanceId] = _converter.Serialize(input);
        return Task.FromResult(instanceId);
    }

    /// <summary>As the client does: inputs only when asked for, readable through the app's serializer options.</summary>
    public override Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Task.FromResult(_instances.TryGetValue(instanceId, out var status)
            ? new OrchestrationMetadata("RetrainModel", instanceId)
            {
                RuntimeStatus = status,
                SerializedInput = getInputsAndOutputs ? _inputs.GetValueOrDefault(instanceId) : null,
                DataConverter = getInputsAndOutputs ? _converter : null,
            }
            : null);

    private sealed class JsonDataConverter : DataConverter
    {
        public override string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), RetrainingJson.Options);

        public override object? Deserialize(string? data, Type targetType) => data is null ? null : JsonSerializer.Deserialize(data, targetType, RetrainingJson.Options);
    }
}
