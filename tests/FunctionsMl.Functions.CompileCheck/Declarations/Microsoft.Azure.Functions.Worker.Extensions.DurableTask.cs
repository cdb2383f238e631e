// Declarations of the Durable Functions bindings that src/FunctionsMl.Functions/Retraining uses (see README.md).
// Source: Azure/azure-functions-durable-extension src/Worker.Extensions.DurableTask/
//   {OrchestrationTriggerAttribute,ActivityTriggerAttribute,DurableClientAttribute}.cs
// (Worker.Extensions.DurableTask 1.16.5; these three have kept their shape since 1.0).
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class OrchestrationTriggerAttribute : TriggerBindingAttribute
{
    public string? Orchestration { get; set; }
}

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ActivityTriggerAttribute : TriggerBindingAttribute
{
    public string? Activity { get; set; }
}

public sealed class DurableClientAttribute : InputBindingAttribute
{
    public string? TaskHub { get; set; }

    public string? ConnectionName { get; set; }
}
