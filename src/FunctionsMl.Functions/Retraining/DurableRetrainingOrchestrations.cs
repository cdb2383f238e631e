using System.Text.Json;
using FunctionsMl.Serving.Retraining;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionsMl.Functions.Retraining;

/// <summary>The shared starter's view of Durable Functions: a client bound to one invocation, adapted member by member.</summary>
public sealed class DurableRetrainingOrchestrations(DurableTaskClient client) : IRetrainingOrchestrations
{
    public async Task<string?> ActiveRunAsync(string instanceId, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance?.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended))
        {
            return null;
        }

        try
        {
            return instance.ReadInputAs<RetrainRequest>()?.RunId ?? string.Empty;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return string.Empty; // Started by another version of the app with another input shape: still active.
        }
    }

    public Task StartAsync(string instanceId, RetrainRequest request, CancellationToken cancellationToken) =>
        client.ScheduleNewOrchestrationInstanceAsync(
            nameof(RetrainingOrchestrator.RetrainModel),
            request,
            new StartOrchestrationOptions { InstanceId = instanceId },
            cancellationToken);
}
