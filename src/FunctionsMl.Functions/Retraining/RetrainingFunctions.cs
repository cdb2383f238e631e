using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Retraining;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace FunctionsMl.Functions.Retraining;

/// <summary>
/// Starting retraining runs (on each model's schedule, or now over HTTP) as Durable orchestrations, and reading their
/// records. The HTTP functions answer as the local host does: 202 with the run's record URL, 409 with the run in progress.
/// </summary>
public sealed class RetrainingFunctions(ScheduledRetraining scheduled, OrchestratedRetraining retraining, RunStore runs, DefinitionStore definitions)
{
    /// <summary>
    /// How often the schedules are checked: a model's schedule fires at the first check after its time, so within five
    /// minutes. Each check reads the definitions (a few small blobs), so a shorter period costs little more.
    /// </summary>
    public const string CheckSchedule = "0 */5 * * * *";

    [Function(nameof(RetrainDueModels))]
    public Task RetrainDueModels(
        [TimerTrigger(CheckSchedule)] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        scheduled.StartDueAsync(StarterOver(client), cancellationToken);

    [Function("StartRetraining")]
    public Task<IResult> StartRetraining(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/models/{name}/retrain")] HttpRequest request,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        RetrainingEndpoints.StartAsync(name, StarterOver(client), cancellationToken);

    [Function("ListRetrainingRuns")]
    public Task<IResult> ListRetrainingRuns(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}/runs")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        RetrainingEndpoints.ListRunsAsync(request, name, runs, definitions, cancellationToken);

    [Function("GetRetrainingRun")]
    public Task<IResult> GetRetrainingRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}/runs/{id}")] HttpRequest request,
        string name,
        string id,
        CancellationToken cancellationToken) =>
        RetrainingEndpoints.GetRunAsync(name, id, runs, cancellationToken);

    /// <summary>The shared singleton starter over the Durable client bound to this invocation.</summary>
    private IRetrainingStarter StarterOver(DurableTaskClient client) => retraining.On(new DurableRetrainingOrchestrations(client));
}
