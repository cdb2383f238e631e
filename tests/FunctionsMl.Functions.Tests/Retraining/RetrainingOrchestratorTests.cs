using FunctionsMl.Functions.Retraining;
using FunctionsMl.Functions.Tests.Support;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Functions.Tests.Retraining;

/// <summary>
/// The orchestrator function over the app's own activity functions and services, with the Durable runtime played
/// in-process: names, inputs and outputs through the worker's serializer, retries, and the run it records.
/// </summary>
public sealed class RetrainingOrchestratorTests
{
    private static readonly string[] PromotingRun =
    [
        RetrainingActivityNames.LoadDefinition,
        RetrainingActivityNames.SnapshotData,
        RetrainingActivityNames.TrainCandidate,
        RetrainingActivityNames.EvaluateChampion,
        RetrainingActivityNames.RegisterAndPromote,
        RetrainingActivityNames.RecordRun,
    ];

    [Fact]
    public async Task RetrainModel_FirstRun_TrainsRegistersPromotesAndRecordsThroughTheActivityFunctions()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var request = await PrepareAsync(host);
        var context = new InProcessOrchestrationContext(host.Services, RetrainRequest.InstanceIdFor("iris"), request, ParityHost.Now.UtcDateTime);

        var outcome = await RetrainingOrchestrator.RetrainModel(context);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.True(outcome.Promoted);
        Assert.Equal(PromotingRun, context.Calls.Select(c => c.Name));
        Assert.Equal("1", (await host.Services.GetRequiredService<ModelRegistry>().GetAliasesAsync("iris")).VersionOf("production"));
        var run = await host.Services.GetRequiredService<RunStore>().GetAsync("iris", request.RunId);
        Assert.Equal((RunStatus.Succeeded, "1", true), (run!.Status, run.Version, run.Promoted));
        Assert.Null(await host.Services.GetRequiredService<RunLocks>().ReadAsync("iris"));
    }

    [Fact]
    public async Task RetrainModel_EveryActivity_AsksForTheConfiguredRetryPolicy()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var request = await PrepareAsync(host);
        var context = new InProcessOrchestrationContext(host.Services, RetrainRequest.InstanceIdFor("iris"), request, ParityHost.Now.UtcDateTime);

        await RetrainingOrchestrator.RetrainModel(context);

        var expected = new RetrainingOptions().ToRetry();
        Assert.All(context.Calls, call =>
        {
            Assert.NotNull(call.Retry);
            Assert.Equal(
                (expected.MaxAttempts, expected.FirstRetryInterval, expected.BackoffCoefficient, expected.MaxRetryInterval),
                (call.Retry.MaxNumberOfAttempts, call.Retry.FirstRetryInterval, call.Retry.BackoffCoefficient, call.Retry.MaxRetryInterval));
        });
    }

    [Fact]
    public async Task RetrainModel_TransientActivityFailure_IsRetriedAndTheRunSucceeds()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var request = await PrepareAsync(host);
        var context = new InProcessOrchestrationContext(host.Services, RetrainRequest.InstanceIdFor("iris"), request, ParityHost.Now.UtcDateTime);
        context.FailOnce.Add(RetrainingActivityNames.SnapshotData);

        var outcome = await RetrainingOrchestrator.RetrainModel(context);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Empty(context.FailOnce);
    }

    [Fact]
    public async Task RetrainModel_NoTrainingData_RecordsTheRunFailedWithTheActivitysOwnMessage()
    {
        await using var host = await ParityHost.StartAsync(seedIris: false);
        await host.PublishIrisDefinitionAsync();
        var store = host.Services.GetRequiredService<IObjectStore>();
        await foreach (var data in store.ListAsync("training/iris/"))
        {
            await store.DeleteAsync(data.Path, WriteCondition.None);
        }

        var request = await PrepareAsync(host);
        var context = new InProcessOrchestrationContext(host.Services, RetrainRequest.InstanceIdFor("iris"), request, ParityHost.Now.UtcDateTime);

        var outcome = await RetrainingOrchestrator.RetrainModel(context);

        Assert.Equal((RunStatus.Failed, RetrainingActivityNames.SnapshotData), (outcome.Status, outcome.FailedStep));
        Assert.DoesNotContain("Task '", outcome.Error, StringComparison.Ordinal);
        var run = await host.Services.GetRequiredService<RunStore>().GetAsync("iris", request.RunId);
        Assert.Equal((RunStatus.Failed, outcome.Error), (run!.Status, run.Error));
        Assert.Equal(RetrainingActivityNames.RecordRun, context.Calls[^1].Name);
    }

    [Theory]
    [InlineData("System.IO.IOException", true)]
    [InlineData("System.TimeoutException", true)]
    [InlineData("FunctionsMl.Serving.Storage.PreconditionFailedException", true)]
    [InlineData("FunctionsMl.Engine.Data.DataFormatException", false)]
    [InlineData("FunctionsMl.Engine.Models.ModelDefinitionException", false)]
    [InlineData("System.InvalidOperationException", false)]
    public async Task CallActivityAsync_RetriesOnlyTransientFailures(string errorType, bool retried)
    {
        var context = new CapturingContext();

        await new DurableWorkflowContext(context).CallActivityAsync<string>(RetrainingActivityNames.SnapshotData, null, ActivityRetry.Default);

        var policy = context.Options!.Retry!.Policy!;
        Assert.Equal(retried, policy.Handle(new TaskFailedException(RetrainingActivityNames.SnapshotData, 1, new TaskFailureDetails(errorType, "boom", null, null, null))));
    }

    [Fact]
    public async Task CallActivityAsync_FinalFailure_SurfacesTheActivitysMessageAndType()
    {
        var details = new TaskFailureDetails("FunctionsMl.Engine.Data.DataFormatException", "line 3: 'x' is not a number", null, null, null);
        var context = new CapturingContext { Failure = new TaskFailedException(RetrainingActivityNames.TrainCandidate, 4, details) };

        var failure = await Assert.ThrowsAsync<ActivityFailedException>(() =>
            new DurableWorkflowContext(context).CallActivityAsync<string>(RetrainingActivityNames.TrainCandidate, null, ActivityRetry.Default));

        Assert.Equal(("line 3: 'x' is not a number", details.ErrorType, RetrainingActivityNames.TrainCandidate), (failure.Message, failure.ErrorType, failure.ActivityName));
    }

    private static async Task<RetrainRequest> PrepareAsync(ParityHost host)
    {
        var prepared = await host.Services.GetRequiredService<RunStarter>().PrepareAsync("iris", RunTrigger.Manual);
        return prepared.Request!;
    }

    /// <summary>Records what the adapter asks of the context; answers or fails as told.</summary>
    private sealed class CapturingContext : TaskOrchestrationContext
    {
        public TaskOptions? Options { get; private set; }

        public TaskFailedException? Failure { get; init; }

        public override string InstanceId => "retrain-iris";

        public override DateTime CurrentUtcDateTime => ParityHost.Now.UtcDateTime;

        public override T? GetInput<T>()
            where T : default => default;

        public override ILogger CreateReplaySafeLogger(Type type) => NullLogger.Instance;

        public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
        {
            Options = options;
            return Failure is null ? Task.FromResult(default(TResult)!) : Task.FromException<TResult>(Failure);
        }
    }
}
