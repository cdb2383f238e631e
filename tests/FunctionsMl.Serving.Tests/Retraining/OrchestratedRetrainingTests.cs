using System.Text;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Tests.Retraining;

public sealed class OrchestratedRetrainingTests
{
    private const string Instance = "retrain-iris";

    /// <summary>As the Azure app sets it: runs execute wherever the engine puts them, so only the lease tells a dead holder.</summary>
    private readonly RetrainingOptions _options = new() { RunsInStartingProcess = false };
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryObjectStore _store;
    private readonly RunStore _runs;
    private readonly RunLocks _locks;
    private readonly OrchestratedRetraining _sut;
    private readonly FakeOrchestrations _engine = new();

    public OrchestratedRetrainingTests()
    {
        _store = new InMemoryObjectStore(_time);
        IOptions<RetrainingOptions> options = Options.Create(_options);
        _runs = new RunStore(_store);
        _locks = new RunLocks(_store, _time, options);
        var starter = new RunStarter(new DefinitionStore(_store), _runs, _locks, new ModelRegistry(_store, _time), _time, options);
        _sut = new OrchestratedRetraining(starter, _locks, _runs);
    }

    [Fact]
    public async Task StartAsync_NoActiveInstance_RecordsTheRunTakesTheLockAndSchedulesTheSingletonInstance()
    {
        await DefineIrisAsync();

        RetrainStart start = await _sut.On(_engine).StartAsync("iris", RunTrigger.Manual);

        Assert.False(start.AlreadyRunning);
        Assert.Equal("iris", start.Model);
        Assert.True(RetrainingRun.IsValidId(start.RunId), start.RunId);
        (string instanceId, RetrainRequest request) = Assert.Single(_engine.Starts);
        Assert.Equal(Instance, instanceId);
        Assert.Equal(new RetrainRequest("iris", start.RunId, RunTrigger.Manual, _options.ToRetry()), request);
        RetrainingRun run = Assert.Single(await _runs.ListAsync("iris"));
        Assert.Equal((start.RunId, RunStatus.Running, RunTrigger.Manual, _time.GetUtcNow()), (run.Id, run.Status, run.Trigger, run.StartedAt));
        RunLockInfo held = (await _locks.ReadAsync("iris"))!.Value.Info;
        Assert.Equal((start.RunId, _time.GetUtcNow() + _options.LeaseDuration), (held.RunId, held.ExpiresAt));
    }

    [Fact]
    public async Task StartAsync_InstanceActive_AnswersWithTheLockHoldersRunAndRecordsNothingNew()
    {
        await DefineIrisAsync();
        RetrainStart first = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
        _time.Advance(TimeSpan.FromSeconds(10));

        RetrainStart second = await _sut.StartAsync(_engine, "iris", RunTrigger.Schedule);

        Assert.Equal(new RetrainStart("iris", first.RunId, AlreadyRunning: true), second);
        Assert.Single(_engine.Starts);
        Assert.Equal([first.RunId], (await _runs.ListAsync("iris")).Select(r => r.Id));
    }

    [Fact]
    public async Task StartAsync_InstanceActiveLongerThanTheLease_StillAnswersAlreadyRunning()
    {
        await DefineIrisAsync();
        RetrainStart first = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
        _time.Advance(_options.LeaseDuration * 10);   // nothing renews the lock while the orchestration runs

        RetrainStart second = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);

        Assert.Equal(new RetrainStart("iris", first.RunId, AlreadyRunning: true), second);
        Assert.Single(_engine.Starts);
        Assert.Equal(RunStatus.Running, (await _runs.GetAsync("iris", first.RunId))!.Status);
    }

    [Fact]
    public async Task StartAsync_InstanceStillActiveAfterItReleasedTheLock_AnswersWithTheNewestRun()
    {
        await DefineIrisAsync();
        RetrainStart first = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
        await _locks.ReleaseAsync("iris", first.RunId);   // its last activity ran; the instance has not completed yet

        RetrainStart second = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);

        Assert.Equal(new RetrainStart("iris", first.RunId, AlreadyRunning: true), second);
        Assert.Single(_engine.Starts);
    }

    [Fact]
    public async Task StartAsync_LockHeldByAStarterThatHasNotScheduledYet_AnswersAlreadyRunningWithoutScheduling()
    {
        await DefineIrisAsync();
        string other = RetrainingRun.NewId(_time.GetUtcNow());
        Assert.True((await _locks.TryAcquireAsync("iris", other)).Acquired);

        RetrainStart start = await _sut.StartAsync(_engine, "iris", RunTrigger.Schedule);

        Assert.Equal(new RetrainStart("iris", other, AlreadyRunning: true), start);
        Assert.Empty(_engine.Starts);
        Assert.Empty(await _runs.ListAsync("iris"));
        Assert.Equal(other, (await _locks.ReadAsync("iris"))!.Value.Info.RunId);
    }

    [Fact]
    public async Task StartAsync_ScheduleFails_RecordsTheRunFailedReleasesTheLockAndRethrows()
    {
        await DefineIrisAsync();
        var refused = new InvalidOperationException("the task hub is unavailable");
        _engine.FailStarts(refused);

        InvalidOperationException thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => _sut.StartAsync(_engine, "iris", RunTrigger.Manual));

        Assert.Same(refused, thrown);
        RetrainingRun run = Assert.Single(await _runs.ListAsync("iris"));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("The orchestration could not be started: the task hub is unavailable", run.Error);
        Assert.Equal(_time.GetUtcNow(), run.FinishedAt);
        Assert.Null(await _locks.ReadAsync("iris"));
        Assert.Null(_engine[Instance]);
    }

    [Fact]
    public async Task StartAsync_AfterAFailedSchedule_NextStartRunsAFreshRun()
    {
        await DefineIrisAsync();
        _engine.FailStarts(new InvalidOperationException("the task hub is unavailable"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _sut.StartAsync(_engine, "iris", RunTrigger.Manual));
        _engine.SucceedStarts();
        _time.Advance(TimeSpan.FromSeconds(1));

        RetrainStart start = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);

        Assert.False(start.AlreadyRunning);
        Assert.Equal(start.RunId, _engine[Instance]!.Request.RunId);
        Assert.Equal([RunStatus.Running, RunStatus.Failed], (await _runs.ListAsync("iris")).Select(r => r.Status));
    }

    [Fact]
    public async Task StartAsync_ScheduleErrsAfterTheEngineAcceptedThisRun_TheStartStands()
    {
        await DefineIrisAsync();
        _engine.FailStarts(new TimeoutException("the engine did not answer in time"), activeAfter: true);

        RetrainStart start = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);

        // The engine runs this very request: its run must stay running under its lock, not be recorded failed.
        Assert.False(start.AlreadyRunning);
        Assert.Equal(_engine[Instance]!.Request.RunId, start.RunId);
        Assert.Equal(start.RunId, (await _locks.ReadAsync("iris"))!.Value.Info.RunId);
        Assert.Equal(RunStatus.Running, (await _runs.GetAsync("iris", start.RunId))!.Status);
    }

    [Fact]
    public async Task StartAsync_StarterTookOverTheStaleLockAndScheduledFirst_TheLoserFollowsTheWinnersRun()
    {
        await DefineIrisAsync();
        Task<RetrainStart>? winner = null;
        _engine.BeforeNextStart(() =>
        {
            // This starter stalled past the lease between taking the lock and scheduling; another took over and scheduled.
            _time.Advance(_options.LeaseDuration + TimeSpan.FromSeconds(1));
            winner = _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
            return winner;
        });

        RetrainStart loser = await _sut.StartAsync(_engine, "iris", RunTrigger.Schedule);

        RetrainStart won = await winner!;
        Assert.False(won.AlreadyRunning);
        Assert.Equal(new RetrainStart("iris", won.RunId, AlreadyRunning: true), loser);
        Assert.Equal(won.RunId, _engine[Instance]!.Request.RunId);
        Assert.Equal(won.RunId, (await _locks.ReadAsync("iris"))!.Value.Info.RunId);
        IReadOnlyList<RetrainingRun> runs = await _runs.ListAsync("iris");
        Assert.Equal([(won.RunId, RunStatus.Running), (runs[1].Id, RunStatus.Interrupted)], runs.Select(r => (r.Id, r.Status)));
    }

    [Fact]
    public async Task StartAsync_StarterTookOverTheStaleLockButTheStalledOneScheduledFirst_TheLoserFollowsTheRunInProgress()
    {
        await DefineIrisAsync();
        var stalledPrepared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalledScheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<RetrainStart>? late = null;
        _engine.BeforeNextStart(async () =>
        {
            // The first starter stalled past the lease after taking the lock; a second takes the lock over and records
            // its run, then the first schedules its instance before the second schedules.
            _time.Advance(_options.LeaseDuration + TimeSpan.FromSeconds(1));
            _engine.BeforeNextStart(async () =>
            {
                stalledPrepared.SetResult();
                await stalledScheduled.Task;
            });
            late = _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
            await stalledPrepared.Task;
        });

        RetrainStart stalled = await _sut.StartAsync(_engine, "iris", RunTrigger.Schedule);
        stalledScheduled.SetResult();
        RetrainStart lateAnswer = await late!;

        Assert.False(stalled.AlreadyRunning);
        Assert.Equal(stalled.RunId, _engine[Instance]!.Request.RunId);
        Assert.Equal(new RetrainStart("iris", stalled.RunId, AlreadyRunning: true), lateAnswer);
    }

    [Fact]
    public async Task StartAsync_ModelWithoutDefinition_ThrowsModelNotFoundAndTouchesNothing()
    {
        await DefineIrisAsync();

        ModelNotFoundException thrown = await Assert.ThrowsAsync<ModelNotFoundException>(() => _sut.StartAsync(_engine, "lily", RunTrigger.Manual));

        Assert.Contains("lily", thrown.Message, StringComparison.Ordinal);
        Assert.Empty(_engine.Starts);
        Assert.Null(await _locks.ReadAsync("lily"));
        Assert.Empty(await _runs.ListAsync("lily"));
    }

    [Fact]
    public async Task StartAsync_InvalidModelName_ThrowsArgumentException()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _sut.StartAsync(_engine, "Iris!", RunTrigger.Manual));

        Assert.Empty(_engine.Starts);
    }

    [Fact]
    public async Task StartAsync_InstanceEndedWithoutReleasingTheLock_StartsOnceTheLeaseExpiresAndRecordsTheOldRunInterrupted()
    {
        await DefineIrisAsync();
        RetrainStart first = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
        _engine.End(Instance);   // terminated, or failed before its last activity
        _time.Advance(_options.LeaseDuration + TimeSpan.FromSeconds(1));

        RetrainStart second = await _sut.StartAsync(_engine, "iris", RunTrigger.Schedule);

        Assert.False(second.AlreadyRunning);
        Assert.NotEqual(first.RunId, second.RunId);
        Assert.Equal(new RetrainRequest("iris", second.RunId, RunTrigger.Schedule, _options.ToRetry()), _engine[Instance]!.Request);
        Assert.Equal(second.RunId, (await _locks.ReadAsync("iris"))!.Value.Info.RunId);
        RetrainingRun old = (await _runs.GetAsync("iris", first.RunId))!;
        Assert.Equal(RunStatus.Interrupted, old.Status);
        Assert.Contains("lease expired", old.Error, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Running, (await _runs.GetAsync("iris", second.RunId))!.Status);
    }

    [Fact]
    public async Task StartAsync_InstanceEndedWithoutReleasingTheLockWithinTheLease_AnswersWithTheDeadRunUntilTheLeaseExpires()
    {
        await DefineIrisAsync();
        RetrainStart first = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
        _engine.End(Instance);
        _time.Advance(_options.LeaseDuration - TimeSpan.FromSeconds(1));

        RetrainStart second = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);

        Assert.Equal(new RetrainStart("iris", first.RunId, AlreadyRunning: true), second);
        Assert.Single(_engine.Starts);
    }

    [Fact]
    public async Task StartAsync_PreviousRunFinishedButItsLockWasLeft_StartsAtOnceAndLeavesTheFinishedRecordAlone()
    {
        await DefineIrisAsync();
        RetrainStart first = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);
        await _runs.UpdateAsync("iris", first.RunId, r => r with { Status = RunStatus.Succeeded, FinishedAt = _time.GetUtcNow() });
        _engine.End(Instance);   // the record was final; the release never happened
        _time.Advance(TimeSpan.FromSeconds(1));

        RetrainStart second = await _sut.StartAsync(_engine, "iris", RunTrigger.Manual);

        Assert.False(second.AlreadyRunning);
        Assert.Equal(second.RunId, _engine[Instance]!.Request.RunId);
        Assert.Equal(RunStatus.Succeeded, (await _runs.GetAsync("iris", first.RunId))!.Status);
    }

    [Fact]
    public async Task ScheduledTick_ThroughTheOrchestratedStarter_StartsTheInstanceOnceAndThenReportsItRunning()
    {
        await DefineIrisAsync(schedule: "0 0 * * * *");
        var scheduled = new ScheduledRetraining(new DefinitionStore(_store), _store, _time);
        var time = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(time, _time.GetUtcNow());   // the hourly schedule fired just now
        IRetrainingStarter starter = _sut.On(_engine);

        ScheduledStart first = Assert.Single(await scheduled.StartDueAsync(starter));
        _time.Advance(TimeSpan.FromHours(1));
        ScheduledStart second = Assert.Single(await scheduled.StartDueAsync(starter));

        Assert.False(first.Start!.AlreadyRunning);
        Assert.Equal(new RetrainRequest("iris", first.Start.RunId, RunTrigger.Schedule, _options.ToRetry()), Assert.Single(_engine.Starts).Request);
        Assert.Equal(new RetrainStart("iris", first.Start.RunId, AlreadyRunning: true), second.Start);
    }

    private Task DefineIrisAsync(string? schedule = null)
    {
        string scheduleField = schedule is null ? string.Empty : $", \"schedule\": \"{schedule}\"";
        string json = $$"""{"name": "iris", "task": "multiclass", "label": "species", "trainer": {"type": "gbdt"}{{scheduleField}}}""";
        return _store.WriteAsync(DefinitionPaths.Definition("iris"), Encoding.UTF8.GetBytes(json), WriteCondition.None);
    }
}
