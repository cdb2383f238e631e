using FunctionsMl.Serving.Retraining;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace FunctionsMl.Functions.Retraining;

/// <summary>
/// The retraining orchestration and its activities. The orchestrator runs the shared workflow over the Durable context;
/// each activity function calls the shared activity of the same name.
/// </summary>
public sealed class RetrainingOrchestrator(RetrainingActivities activities)
{
    /// <summary>One run, as instance <see cref="RetrainRequest.InstanceIdFor"/> the model (a singleton per model).</summary>
    [Function(nameof(RetrainModel))]
    public static Task<RunOutcome> RetrainModel([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        RetrainRequest request = context.GetInput<RetrainRequest>()
            ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} was started without a {nameof(RetrainRequest)}.");
        return RetrainingOrchestration.RunAsync(new DurableWorkflowContext(context), request);
    }

    [Function(RetrainingActivityNames.LoadDefinition)]
    public Task<DefinitionSnapshot> LoadDefinition([ActivityTrigger] RunRef run, CancellationToken cancellationToken) =>
        activities.LoadDefinitionAsync(run, cancellationToken);

    [Function(RetrainingActivityNames.SnapshotData)]
    public Task<DataSnapshot> SnapshotData([ActivityTrigger] RunRef run, CancellationToken cancellationToken) =>
        activities.SnapshotDataAsync(run, cancellationToken);

    [Function(RetrainingActivityNames.TrainCandidate)]
    public Task<CandidateModel> TrainCandidate([ActivityTrigger] TrainCandidateInput input, CancellationToken cancellationToken) =>
        activities.TrainCandidateAsync(input, cancellationToken);

    [Function(RetrainingActivityNames.EvaluateChampion)]
    public Task<Evaluation> EvaluateChampion([ActivityTrigger] EvaluateInput input, CancellationToken cancellationToken) =>
        activities.EvaluateChampionAsync(input, cancellationToken);

    [Function(RetrainingActivityNames.RegisterAndPromote)]
    public Task<PromotionResult> RegisterAndPromote([ActivityTrigger] DecisionInput input, CancellationToken cancellationToken) =>
        activities.RegisterAndPromoteAsync(input, cancellationToken);

    [Function(RetrainingActivityNames.KeepChampion)]
    public Task<PromotionResult> KeepChampion([ActivityTrigger] DecisionInput input, CancellationToken cancellationToken) =>
        activities.KeepChampionAsync(input, cancellationToken);

    [Function(RetrainingActivityNames.RecordRun)]
    public Task<RunOutcome> RecordRun([ActivityTrigger] RecordRunInput input, CancellationToken cancellationToken) =>
        activities.RecordRunAsync(input, cancellationToken);
}
