using FunctionsMl.Serving.Retraining;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionsMl.Functions.Retraining;

/// <summary>The shared starter's view of Durable Functions: a client bound to one invocation, adapted member by member.</summary>
public sealed class DurableRetrainingOrchestrations(DurableTaskClient client) : IRetrainingOrchestrations
{
    public async Task<bool> IsActiveAsync(string instanceId, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        return instance?.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended;
    }

    public Task StartAsync(string instanceId, RetrainRequest request, CancellationToken cancellationToken) =>
        client.ScheduleNewOrchestrationInstanceAsync(
            nameof(RetrainingOrchestrator.RetrainModel),
            request,
            new StartOrchestrationOptions { InstanceId = instanceId },
            cancellationToken);
}
