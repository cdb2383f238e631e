using System.Text;
using System.Text.Json;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>Whole runs on the iris sample through the local runner, as the CLI and the local host run them.</summary>
public sealed class RetrainingRunTests
{
    private static readonly string[] PromotingSteps = ["LoadDefinition", "SnapshotData", "TrainCandidate", "EvaluateChampion", "RegisterAndPromote", "RecordRun"];

    [Fact]
    public async Task RunAsync_FirstRun_PromotesVersionOneAndRecordsEverything()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        var progress = new List<string>();

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli, new SyncProgress(progress.Add));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(RunTrigger.Cli, run.Trigger);
        Assert.Equal(GateVerdict.Promote, run.Decision);
        Assert.StartsWith("first version: candidate accuracy", run.Reason);
        Assert.True(run.Promoted);
        Assert.Equal("1", run.Version);
        Assert.Equal("1", await host.ProductionAsync());
        Assert.Equal(PromotingSteps, run.Steps.Select(s => s.Name));
        Assert.All(run.Steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.All(run.Steps, s => Assert.Equal(1, s.Attempts));
        Assert.NotNull(run.FinishedAt);
        Assert.True(run.DurationSeconds >= 0);
        Assert.Equal(RunLocks.CurrentProcess, run.Owner);

        SnapshotFile file = Assert.Single(run.Data!.Files);
        Assert.Equal("training/iris/iris.csv", file.Path);
        Assert.Equal(await host.Store.GetETagAsync("training/iris/iris.csv"), file.ETag);
        Assert.Equal(new RunCandidateInfo(run.Candidate!.Sha256, run.Candidate.Size, 150, 120, 30, run.Candidate.Metrics), run.Candidate);
        Assert.True(run.Candidate.Metrics["accuracy"] >= 0.85);
        Assert.Equal(new RunChampionInfo(null, null, null), run.Champion);
        Assert.Equal(new GateRule("accuracy", false, 0.85, 0), run.Definition!.Rule);

        // The registered version is the candidate the run describes, trained on the snapshot it recorded.
        ModelVersionInfo version = (await host.Registry.GetVersionAsync("iris", "1"))!;
        Assert.Equal(run.Candidate.Sha256, version.Sha256);
        Assert.Equal($"retraining run {run.Id}", version.RegisteredBy);
        Assert.Equal(run.Data.Fingerprint, version.Manifest.GetProperty("trainingData").GetProperty("fingerprint").GetString());
        AliasAuditEntry promotion = Assert.Single(await host.Registry.GetAuditAsync("iris"));
        Assert.Equal(run.Reason, promotion.Reason);

        // Nothing staged or locked is left behind; progress reached the caller.
        Assert.Empty(await ListAsync(host.Store, RunPaths.Staging("iris", run.Id)));
        Assert.Null(await host.Locks.ReadAsync("iris"));
        Assert.Contains(progress, line => line.StartsWith("TrainCandidate: 150 labelled rows: 120 to train, 30 held out", StringComparison.Ordinal));
        Assert.Contains(progress, line => line.StartsWith("RegisterAndPromote done", StringComparison.Ordinal));
        Assert.Equal(Json(run), Json(await host.Runs.GetAsync("iris", run.Id)));
    }

    [Fact]
    public async Task RunAsync_ChampionDoingBadlyOnFeedback_IsJudgedByItsOnlineAccuracy()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        await host.Retraining.RunAsync("iris", RunTrigger.Cli);
        // 250 feedback rows on version 1, half of them wrong: online accuracy 0.5, far below its holdout figure.
        var day = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var lines = Enumerable.Range(0, 250).Select(i => $$"""{"version":"1","requestId":"r{{i}}","row":0,"correct":{{(i % 2 == 0 ? "true" : "false")}}}""");
        await host.Store.WriteAsync($"logs/iris/feedback/{day}/test.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', lines)), WriteCondition.None);

        RetrainingRun second = await host.Retraining.RunAsync("iris", RunTrigger.Schedule);

        // Unchanged data ties on the holdout, which alone would keep the champion; its online accuracy decides.
        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(GateVerdict.Promote, second.Decision);
        Assert.Contains("feedback", second.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RunAsync_SecondRunOnUnchangedData_KeepsTheChampion()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        RetrainingRun first = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        RetrainingRun second = await host.Retraining.RunAsync("iris", RunTrigger.Schedule);

        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(GateVerdict.Keep, second.Decision);
        Assert.Contains("a tie, and the candidate must be strictly better", second.Reason);
        Assert.False(second.Promoted);
        Assert.Equal("1", second.Version);
        Assert.Equal("KeepChampion", second.Steps[^2].Name);
        Assert.Equal(first.Candidate!.Metrics, second.Champion!.Metrics);
        Assert.Equal(first.Data!.Fingerprint, second.Data!.Fingerprint);
        Assert.Single(await host.Registry.ListVersionsAsync("iris"));
        Assert.Equal([second.Id, first.Id], (await host.Runs.ListAsync("iris")).Select(r => r.Id));
    }

    [Fact]
    public async Task RunAsync_BetterDefinitionAfterWeakChampion_PromotesVersionTwoOnTheSameHoldout()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisVariantAsync(SampleModel.WeakIris);
        RetrainingRun weak = await host.Retraining.RunAsync("iris", RunTrigger.Cli);
        await host.PublishIrisAsync();

        RetrainingRun strong = await host.Retraining.RunAsync("iris", RunTrigger.Manual);

        Assert.Equal("1", weak.Version);
        Assert.True(strong.Promoted);
        Assert.Equal("2", strong.Version);
        Assert.Equal("2", await host.ProductionAsync());
        Assert.Equal("1", strong.Champion!.Version);
        Assert.True(strong.Champion.Metrics!["accuracy"] < strong.Candidate!.Metrics["accuracy"]);
        Assert.Contains("vs champion version 1", strong.Reason);
    }

    [Fact]
    public async Task RunAsync_FeedbackRowsDroppedIntoTraining_AreInTheNextSnapshot()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        RetrainingRun before = await host.Retraining.RunAsync("iris", RunTrigger.Cli);
        byte[] feedback = Encoding.UTF8.GetBytes(
            "sepal_length,sepal_width,petal_length,petal_width,species\n" +
            string.Concat(Enumerable.Range(0, 10).Select(i => $"5.{i},3.5,1.4,0.2,setosa\n6.{i},2.9,4.5,1.5,versicolor\n")));
        await host.Store.WriteAsync("training/iris/feedback/2030-01-01.csv", feedback, WriteCondition.IfNoneMatch);
        await host.Store.WriteAsync("training/iris/README.txt", "not data"u8.ToArray(), WriteCondition.IfNoneMatch);

        RetrainingRun after = await host.Retraining.RunAsync("iris", RunTrigger.Schedule);

        Assert.Equal(RunStatus.Succeeded, after.Status);
        Assert.Equal(["training/iris/feedback/2030-01-01.csv", "training/iris/iris.csv"], after.Data!.Files.Select(f => f.Path));
        Assert.NotEqual(before.Data!.Fingerprint, after.Data.Fingerprint);
        Assert.Equal(170, after.Candidate!.Rows);
        Assert.Contains("ignored 1 file(s) that are not CSV or JSON lines (training/iris/README.txt)", after.Steps[1].Outcome);
    }

    [Fact]
    public async Task StartAsync_TwoTriggersAtOnce_StartOneRunAndTellTheOtherItIsRunning()
    {
        await using var first = new RetrainingTestHost();
        await first.PublishIrisAsync();

        // A second "process": its own services over the same store.
        await using var second = new RetrainingTestHost(first.Store.Inner);
        var gate = new TaskCompletionSource();
        foreach (RetrainingTestHost host in new[] { first, second })
        {
            host.Store.Once("read", p => p.EndsWith("/model.json", StringComparison.Ordinal) && p.StartsWith("runs/", StringComparison.Ordinal), () => gate.Task);
        }

        RetrainStart[] starts = await Task.WhenAll(
            first.Retraining.StartAsync("iris", RunTrigger.Schedule),
            second.Retraining.StartAsync("iris", RunTrigger.Manual));

        RetrainStart started = Assert.Single(starts, s => !s.AlreadyRunning);
        RetrainStart refused = Assert.Single(starts, s => s.AlreadyRunning);
        Assert.Equal(started.RunId, refused.RunId);
        gate.SetResult();
        RetrainingService owner = started == starts[0] ? first.Retraining : second.Retraining;
        RetrainingRun run = (await owner.WaitAsync("iris", started.RunId))!;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Single(await first.Runs.ListAsync("iris"));
    }

    [Fact]
    public async Task RunAsync_WhileAnotherRunHoldsTheModel_Throws()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        var gate = new TaskCompletionSource();
        host.Store.Once("open", p => p.StartsWith("training/", StringComparison.Ordinal), () => gate.Task);
        RetrainStart start = await host.Retraining.StartAsync("iris", RunTrigger.Schedule);

        var error = await Assert.ThrowsAsync<RetrainingAlreadyRunningException>(() => host.Retraining.RunAsync("iris", RunTrigger.Cli));

        Assert.Equal(start.RunId, error.RunId);
        gate.SetResult();
        Assert.Equal(RunStatus.Succeeded, (await host.Retraining.WaitAsync("iris", start.RunId))!.Status);
    }

    [Fact]
    public async Task RunAsync_TransientFailuresTwice_RetriesAndSucceeds()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        host.Store.FailTimes("open", p => p.StartsWith("training/iris/", StringComparison.Ordinal), times: 2);
        var progress = new List<string>();

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli, new SyncProgress(progress.Add));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        RunStep snapshot = run.Steps.Single(s => s.Name == "SnapshotData");
        Assert.Equal(3, snapshot.Attempts);
        Assert.Equal(StepStatus.Succeeded, snapshot.Status);
        Assert.Null(snapshot.Error);
        Assert.Contains(progress, line => line.StartsWith("SnapshotData attempt 2 of 4 failed (IOException: injected failure", StringComparison.Ordinal));
        Assert.Equal("1", await host.ProductionAsync());
    }

    [Fact]
    public async Task RunAsync_RegistrationAlwaysFails_FailsCleanlyAndLeavesProductionAlone()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisVariantAsync(SampleModel.WeakIris);
        await host.Retraining.RunAsync("iris", RunTrigger.Cli);
        await host.PublishIrisAsync();
        host.Store.FailTimes("write", p => p.StartsWith("models/iris/versions/", StringComparison.Ordinal), times: int.MaxValue);

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("RegisterAndPromote", run.FailedStep);
        Assert.Contains("injected failure", run.Error);
        RunStep failed = run.Steps.Single(s => s.Name == "RegisterAndPromote");
        Assert.Equal(StepStatus.Failed, failed.Status);
        Assert.Equal(4, failed.Attempts);
        Assert.Equal(StepStatus.Succeeded, run.Steps[^1].Status); // RecordRun
        Assert.False(run.Promoted);
        Assert.Equal("1", await host.ProductionAsync());
        Assert.Null(await host.Locks.ReadAsync("iris"));
        Assert.Empty(await ListAsync(host.Store, RunPaths.Staging("iris", run.Id)));
    }

    [Fact]
    public async Task RunAsync_UserError_FailsAtOnceWithoutRetry()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisVariantAsync(SampleModel.WeakIris.Replace("\"sepal_width\"", "\"sepal_widht\"", StringComparison.Ordinal));

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("TrainCandidate", run.FailedStep);
        Assert.StartsWith("features: names 'sepal_widht', which the data does not have. Its columns are: sepal_length, sepal_width", run.Error, StringComparison.Ordinal);
        Assert.Equal(1, run.Steps.Single(s => s.Name == "TrainCandidate").Attempts);
        Assert.Null(await host.ProductionAsync());
    }

    [Fact]
    public async Task RunAsync_LabelMissingFromData_NamesTheLabel()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisVariantAsync("""{"name":"iris","task":"multiclass","label":"kind","trainer":{"type":"gbdt","trees":2}}""");

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.StartsWith("label: column 'kind' is not in the data", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TrainingFileChangedAfterSnapshot_FailsClearly()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        // Only training reads the run's copy of the definition.
        host.Store.Once("read", p => p.StartsWith("runs/iris/", StringComparison.Ordinal) && p.EndsWith("/model.json", StringComparison.Ordinal), async () =>
        {
            StoredObject data = (await host.Store.Inner.ReadAsync("training/iris/iris.csv"))!;
            await host.Store.Inner.WriteAsync("training/iris/iris.csv", data.Content, WriteCondition.None);
        });

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("TrainCandidate", run.FailedStep);
        Assert.Contains("'training/iris/iris.csv' changed after the run's data snapshot", run.Error);
        Assert.Null(await host.ProductionAsync());
    }

    [Fact]
    public async Task RunAsync_ProductionMovedDuringTheRun_RegistersButDoesNotOverwrite()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisVariantAsync(SampleModel.WeakIris);
        await host.Retraining.RunAsync("iris", RunTrigger.Cli);
        ModelVersionInfo v1 = (await host.Registry.GetVersionAsync("iris", "1"))!;
        byte[] v1File = (await host.Registry.ReadModelFileAsync("iris", "1"))!.Value.ToArray();
        byte[] other = [.. v1File];
        other[^1] ^= 1; // Other bytes, so the registry makes a new version: a hand-registered one.
        ModelRegistration manual = await host.Registry.RegisterAsync("iris", other, v1.Manifest, "alice");
        await host.PublishIrisAsync();
        host.Store.Once("write", p => p == "models/iris/versions/3/model.fml", () =>
            host.Registry.SetAliasAsync("iris", "production", manual.Version.Version, new AliasChange("alice", "hotfix")));

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(GateVerdict.Promote, run.Decision);
        Assert.False(run.Promoted);
        Assert.Equal("3", run.Version);
        Assert.Contains("production moved from version 1 to version 2 while the run was evaluating, so it was not overwritten", run.Reason);
        Assert.Equal("2", await host.ProductionAsync());
    }

    [Fact]
    public async Task RunAsync_CancelledDuringTraining_IsInterruptedAndReleasesTheModel()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        using var cancellation = new CancellationTokenSource();
        host.Store.Once("open", p => p.StartsWith("training/", StringComparison.Ordinal) && IsTrainStep(host), () => cancellation.CancelAsync());

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli, cancellationToken: cancellation.Token);

        Assert.Equal(RunStatus.Interrupted, run.Status);
        Assert.Equal("TrainCandidate", run.FailedStep);
        Assert.Contains("the host stopped during the run", run.Error);
        Assert.Equal(StepStatus.Interrupted, run.Steps[^1].Status);
        Assert.Null(await host.Locks.ReadAsync("iris"));
        Assert.Null(await host.ProductionAsync());
        Assert.Equal(RunStatus.Succeeded, (await host.Retraining.RunAsync("iris", RunTrigger.Cli)).Status);
    }

    [Fact]
    public async Task RecoverInterruptedRunsAsync_RunOfADeadProcess_IsMarkedInterruptedAndItsLockBroken()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        var dead = new RunOwner(RunLocks.CurrentProcess.Host, 999_999, DateTimeOffset.UnixEpoch);
        string runId = await PlantRunningRunAsync(host, dead, lease: TimeSpan.FromHours(1));

        IReadOnlyList<RetrainingRun> interrupted = await host.Retraining.RecoverInterruptedRunsAsync("iris");

        RetrainingRun run = Assert.Single(interrupted);
        Assert.Equal(runId, run.Id);
        Assert.Equal(RunStatus.Interrupted, run.Status);
        Assert.Equal("Interrupted: process 999999 on " + dead.Host + ", which held its lock, is no longer running. The run did not finish; production has no version.", run.Error);
        Assert.Equal("TrainCandidate", run.FailedStep);
        Assert.Null(await host.Locks.ReadAsync("iris"));
        Assert.Equal(Json(run), Json(await host.Runs.GetAsync("iris", runId)));
    }

    [Fact]
    public async Task RecoverInterruptedRunsAsync_LiveRunOnAnotherMachine_IsLeftAlone()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        string runId = await PlantRunningRunAsync(host, new RunOwner("another-machine", 1, DateTimeOffset.UnixEpoch), lease: TimeSpan.FromHours(1));

        Assert.Empty(await host.Retraining.RecoverInterruptedRunsAsync("iris"));
        RetrainStart start = await host.Retraining.StartAsync("iris", RunTrigger.Manual);

        Assert.True(start.AlreadyRunning);
        Assert.Equal(runId, start.RunId);
        Assert.Equal(RunStatus.Running, (await host.Runs.GetAsync("iris", runId))!.Status);
    }

    [Fact]
    public async Task StartAsync_LeaseOfAnotherMachineExpired_TakesOverAndRecordsTheOldRunAsInterrupted()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        string stale = await PlantRunningRunAsync(host, new RunOwner("another-machine", 1, DateTimeOffset.UnixEpoch), lease: TimeSpan.FromSeconds(-1));

        RetrainingRun run = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        RetrainingRun old = (await host.Runs.GetAsync("iris", stale))!;
        Assert.Equal(RunStatus.Interrupted, old.Status);
        Assert.Contains("its lease expired at", old.Error);
        Assert.Contains("process 1 on another-machine stopped renewing it", old.Error);
    }

    [Fact]
    public async Task StartAsync_LockNotYetReleasedByAFinishedRun_StartsANewRun()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        RetrainingRun finished = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        // The moment between a run's final record and its lock release, held by a live process elsewhere.
        var owner = new RunOwner("another-machine", 1, DateTimeOffset.UnixEpoch);
        var lockInfo = new RunLockInfo("iris", finished.Id, owner, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        await host.Store.WriteAsync(RunPaths.Lock("iris"), JsonSerializer.SerializeToUtf8Bytes(lockInfo, RetrainingJson.Options), WriteCondition.IfNoneMatch);

        RetrainStart start = await host.Retraining.StartAsync("iris", RunTrigger.Manual);

        Assert.False(start.AlreadyRunning);
        Assert.Equal(RunStatus.Succeeded, (await host.Retraining.WaitAsync("iris", start.RunId))!.Status);
        Assert.Equal(RunStatus.Succeeded, (await host.Runs.GetAsync("iris", finished.Id))!.Status);
    }

    [Fact]
    public async Task StartAsync_UnknownModel_ThrowsModelNotFound()
    {
        await using var host = new RetrainingTestHost();

        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() => host.Retraining.StartAsync("nope", RunTrigger.Manual));

        Assert.Contains("no definition of model 'nope'", error.Message);
    }

    [Fact]
    public async Task Orchestration_UnderAReplayingContext_IsDeterministic()
    {
        await using var host = new RetrainingTestHost();
        await host.PublishIrisAsync();
        RetrainingRun recorded = await host.Retraining.RunAsync("iris", RunTrigger.Cli);

        // Replay: feed the orchestration the recorded outputs; it must ask for the same activities with the same inputs.
        var replay = new ReplayContext(host);
        RunOutcome outcome = await RetrainingOrchestration.RunAsync(replay, new RetrainRequest("iris", recorded.Id, RunTrigger.Cli, ActivityRetry.Default));

        Assert.Equal(PromotingSteps, replay.Calls.Select(c => c.Name));
        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Equal(replay.Now, outcome.FinishedAtUtc);
    }

    private static string Json(RetrainingRun? run) => JsonSerializer.Serialize(run, RetrainingJson.Options);

    private static bool IsTrainStep(RetrainingTestHost host)
    {
        RetrainingRun? running = host.Runs.ListAsync("iris").GetAwaiter().GetResult().FirstOrDefault(r => r.Status == RunStatus.Running);
        return running?.Steps.LastOrDefault()?.Name == "TrainCandidate";
    }

    private static async Task<string> PlantRunningRunAsync(RetrainingTestHost host, RunOwner owner, TimeSpan lease)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow.AddMinutes(-5);
        string runId = RetrainingRun.NewId(started);
        var run = new RetrainingRun
        {
            Id = runId,
            Model = "iris",
            Trigger = RunTrigger.Schedule,
            Status = RunStatus.Running,
            StartedAt = started,
            Owner = owner,
            Steps = [new RunStep { Name = "LoadDefinition", Status = StepStatus.Succeeded, StartedAt = started, FinishedAt = started }, new RunStep { Name = "TrainCandidate", Status = StepStatus.Running, StartedAt = started }],
        };
        await host.Runs.CreateAsync(run);
        var lockInfo = new RunLockInfo("iris", runId, owner, started, DateTimeOffset.UtcNow + lease);
        await host.Store.WriteAsync(RunPaths.Lock("iris"), JsonSerializer.SerializeToUtf8Bytes(lockInfo, RetrainingJson.Options), WriteCondition.IfNoneMatch);
        return runId;
    }

    private static async Task<List<string>> ListAsync(IObjectStore store, string prefix)
    {
        var paths = new List<string>();
        await foreach (StoredObjectInfo info in store.ListAsync(prefix))
        {
            paths.Add(info.Path);
        }

        return paths;
    }

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }

    /// <summary>
    /// A context that answers each activity from the finished run's record (as Durable answers from history),
    /// so the test checks the orchestration asks for the same things in the same order without running them.
    /// </summary>
    private sealed class ReplayContext(RetrainingTestHost host) : IWorkflowContext
    {
        public List<(string Name, string Input)> Calls { get; } = [];

        public DateTime Now { get; } = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        public string InstanceId => RetrainRequest.InstanceIdFor("iris");

        public DateTime CurrentUtcDateTime => Now;

        public Microsoft.Extensions.Logging.ILogger ReplaySafeLogger => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public async Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry retry)
        {
            Calls.Add((activityName, JsonSerializer.Serialize(input, RetrainingJson.Options)));
            RetrainingRun run = (await host.Runs.ListAsync("iris")).Single();
            object output = activityName switch
            {
                "LoadDefinition" => new DefinitionSnapshot(RunPaths.Staged("iris", run.Id, "model.json"), run.Definition!.ETag, run.Definition.Rule),
                "SnapshotData" => run.Data!,
                "TrainCandidate" => new CandidateModel("m", "h", run.Candidate!.Sha256, run.Candidate.Size, 150, 120, 30, run.Candidate.Metrics),
                "EvaluateChampion" => new Evaluation(run.Candidate!.Metrics, null, null, null),
                "RegisterAndPromote" => new PromotionResult(run.Version, true, true, "replayed"),
                "RecordRun" => ((RecordRunInput)input!).Outcome,
                _ => throw new InvalidOperationException($"unexpected activity {activityName}"),
            };
            return (TResult)output;
        }
    }
}
