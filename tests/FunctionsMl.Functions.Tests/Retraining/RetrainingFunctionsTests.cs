using System.Text;
using System.Text.Json;
using FunctionsMl.Functions.Retraining;
using FunctionsMl.Functions.Tests.Metadata;
using FunctionsMl.Functions.Tests.Support;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Functions.Tests.Retraining;

/// <summary>Starting runs as singleton Durable orchestrations, over HTTP and on schedule, through the app's own functions.</summary>
public sealed class RetrainingFunctionsTests
{
    private static FunctionDeclaration StartRetraining => FunctionCatalog.App.Single(f => f.Name == "StartRetraining");

    private static Dictionary<string, string> Iris => new() { ["name"] = "iris" };

    [Fact]
    public async Task StartRetraining_SchedulesTheModelsSingletonAndAnswers202WithTheRunRecord()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();

        var answer = await host.CallFunctionAsync(StartRetraining, "POST", Iris, null);

        Assert.Equal(202, answer.Status);
        var runId = JsonDocument.Parse(answer.Body).RootElement.GetProperty("runId").GetString()!;
        Assert.Equal($"/api/models/iris/runs/{runId}", answer.Location);
        var scheduled = Assert.Single(host.DurableClient.Scheduled);
        Assert.Equal((nameof(RetrainingOrchestrator.RetrainModel), "retrain-iris"), (scheduled.Orchestrator, scheduled.InstanceId));
        var request = Assert.IsType<RetrainRequest>(scheduled.Input);
        Assert.Equal((runId, RunTrigger.Manual), (request.RunId, request.Trigger));
        var record = await host.CallFunctionAsync(FunctionCatalog.App.Single(f => f.Name == "GetRetrainingRun"), "GET", new Dictionary<string, string> { ["name"] = "iris", ["id"] = runId }, null);
        Assert.Equal(200, record.Status);
        Assert.Equal("running", JsonDocument.Parse(record.Body).RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Pending)]
    [InlineData(OrchestrationRuntimeStatus.Running)]
    [InlineData(OrchestrationRuntimeStatus.Suspended)]
    public async Task StartRetraining_WhileTheInstanceIsActive_Answers409WithTheRunInProgress(OrchestrationRuntimeStatus status)
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var first = await host.CallFunctionAsync(StartRetraining, "POST", Iris, null);
        host.DurableClient.SetStatus("retrain-iris", status);

        var second = await host.CallFunctionAsync(StartRetraining, "POST", Iris, null);

        Assert.Equal(409, second.Status);
        Assert.Equal(
            JsonDocument.Parse(first.Body).RootElement.GetProperty("runId").GetString(),
            JsonDocument.Parse(second.Body).RootElement.GetProperty("runId").GetString());
        Assert.Single(host.DurableClient.Scheduled);
        Assert.Single(await host.Services.GetRequiredService<RunStore>().ListAsync("iris"));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated)]
    public async Task StartRetraining_AfterTheInstanceEnded_StartsANewRun(OrchestrationRuntimeStatus status)
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var first = JsonDocument.Parse((await host.CallFunctionAsync(StartRetraining, "POST", Iris, null)).Body).RootElement.GetProperty("runId").GetString()!;

        // The run's last activity records it and releases the lock; then the instance ends.
        await host.Services.GetRequiredService<RetrainingActivities>().RecordRunAsync(
            new RecordRunInput(new RunRef("iris", first), new RunOutcome { Status = RunStatus.Failed, FinishedAtUtc = ParityHost.Now.UtcDateTime, Error = "test" }));
        host.DurableClient.SetStatus("retrain-iris", status);

        var second = await host.CallFunctionAsync(StartRetraining, "POST", Iris, null);

        Assert.Equal(202, second.Status);
        Assert.Equal(2, host.DurableClient.Scheduled.Count);
    }

    [Fact]
    public async Task StartRetraining_InstanceStartedElsewhereMeanwhile_Answers409AndRecordsItsOwnRunFailed()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        host.DurableClient.RefuseNextStart = true;

        var answer = await host.CallFunctionAsync(StartRetraining, "POST", Iris, null);

        Assert.Equal(409, answer.Status);
        var run = Assert.Single(await host.Services.GetRequiredService<RunStore>().ListAsync("iris"));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("could not be started", run.Error, StringComparison.Ordinal);
        Assert.Null(await host.Services.GetRequiredService<RunLocks>().ReadAsync("iris"));
    }

    [Fact]
    public async Task RetrainDueModels_StartsTheModelsWhoseScheduleFiredAndMarksTheTime()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var store = host.Services.GetRequiredService<IObjectStore>();
        var definition = await host.Services.GetRequiredService<DefinitionStore>().GetAsync("iris");
        var everyMinute = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(definition!.Json)!;
        everyMinute["schedule"] = JsonSerializer.SerializeToElement("0 * * * * *");
        await store.WriteAsync(DefinitionPaths.Definition("iris"), Encoding.UTF8.GetBytes(JsonSerializer.Serialize(everyMinute)), WriteCondition.None);
        var functions = ActivatorUtilities.CreateInstance<RetrainingFunctions>(host.Services);

        await functions.RetrainDueModels(new TimerInfo(), host.DurableClient, CancellationToken.None);

        var scheduled = Assert.Single(host.DurableClient.Scheduled);
        Assert.Equal(RunTrigger.Schedule, Assert.IsType<RetrainRequest>(scheduled.Input).Trigger);
        Assert.NotNull(await store.ReadAsync(ScheduledRetraining.MarkPath));

        // The same instant again: nothing fired since the mark.
        await functions.RetrainDueModels(new TimerInfo(), host.DurableClient, CancellationToken.None);
        Assert.Single(host.DurableClient.Scheduled);
    }

    [Fact]
    public void RetrainDueModels_ChecksEveryFiveMinutesAndNotOnStartup()
    {
        var trigger = FunctionCatalog.App.Single(f => f.Name == nameof(RetrainingFunctions.RetrainDueModels)).Trigger!;

        Assert.Equal(("TimerTrigger", "0 */5 * * * *", false), (trigger.Kind, trigger.Text("Schedule"), trigger.Properties["RunOnStartup"]));
    }
}
