using System.Collections.Concurrent;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Retraining;

/// <summary>Starts retraining runs; the HTTP API and the scheduler go through it. The local host runs them in-process, the Azure app starts a Durable orchestration.</summary>
public interface IRetrainingStarter
{
    /// <summary>Starts a run of <paramref name="model"/> in the background, unless one is already running.</summary>
    /// <exception cref="ModelNotFoundException">The store has no definition of the model.</exception>
    /// <exception cref="ArgumentException">The model name is not valid.</exception>
    Task<RetrainStart> StartAsync(string model, RunTrigger trigger, CancellationToken cancellationToken = default);
}

/// <summary>The answer to a start request.</summary>
/// <param name="RunId">The new run, or the run already in progress.</param>
/// <param name="AlreadyRunning">True when no run was started because <paramref name="RunId"/> is running.</param>
public sealed record RetrainStart(string Model, string RunId, bool AlreadyRunning);

/// <summary>A run was asked for while another run of the same model is in progress.</summary>
public sealed class RetrainingAlreadyRunningException(string model, string runId)
    : Exception($"Model '{model}' is already being retrained by run {runId}; wait for it to finish.")
{
    public string Model { get; } = model;

    public string RunId { get; } = runId;
}

/// <summary>
/// Runs retraining in this process (the local host and the CLI): takes the model's lock, records the run,
/// runs <see cref="RetrainingOrchestration"/> through a <see cref="LocalWorkflowRunner"/> while renewing the
/// lock, and afterwards makes sure the lock is released and the record final. A run cut short by the host
/// stopping is recorded as interrupted; one cut short by the process dying is found and recorded as
/// interrupted by the next start (<see cref="RecoverInterruptedRunsAsync"/>).
/// </summary>
public sealed class RetrainingService : IRetrainingStarter, IAsyncDisposable, IDisposable
{
    /// <summary>Runs executing in this process, across every instance: a lock this process holds for a run not in here is abandoned.</summary>
    private static readonly ConcurrentDictionary<string, byte> RunsInThisProcess = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, ActiveRun> _active = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RetrainingActivities _activities;
    private readonly RunStarter _starter;
    private readonly RunStore _runs;
    private readonly RunLocks _locks;
    private readonly RetrainingProgress _progress;
    private readonly TimeProvider _timeProvider;
    private readonly RetrainingOptions _options;
    private readonly ILogger _logger;

    public RetrainingService(
        RetrainingActivities activities,
        RunStarter starter,
        RunStore runs,
        RunLocks locks,
        RetrainingProgress progress,
        TimeProvider timeProvider,
        IOptions<RetrainingOptions>? options = null,
        ILogger<RetrainingService>? logger = null)
    {
        _activities = activities ?? throw new ArgumentNullException(nameof(activities));
        _starter = starter ?? throw new ArgumentNullException(nameof(starter));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options?.Value ?? new RetrainingOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public async Task<RetrainStart> StartAsync(string model, RunTrigger trigger, CancellationToken cancellationToken = default)
    {
        (ActiveRun? run, string? runningId) = await BeginAsync(model, trigger, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return new RetrainStart(model, runningId!, AlreadyRunning: true);
        }

        run.Completion = Task.Run(() => ExecuteAsync(run, progress: null), CancellationToken.None);
        return new RetrainStart(model, run.RunId, AlreadyRunning: false);
    }

    /// <summary>Runs a retraining of <paramref name="model"/> now and returns its final record.</summary>
    /// <param name="progress">Receives a line per step, retry and training milestone, on the thread that reports it.</param>
    /// <exception cref="RetrainingAlreadyRunningException">Another run of the model is in progress.</exception>
    /// <exception cref="ModelNotFoundException">The store has no definition of the model.</exception>
    public async Task<RetrainingRun> RunAsync(string model, RunTrigger trigger, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        (ActiveRun? run, string? runningId) = await BeginAsync(model, trigger, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            throw new RetrainingAlreadyRunningException(model, runningId!);
        }

        using CancellationTokenRegistration link = cancellationToken.Register(
            static state =>
            {
                try
                {
                    ((CancellationTokenSource)state!).Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The run already finished.
                }
            },
            run.Cancellation);
        run.Completion = ExecuteAsync(run, progress);
        return await run.Completion.ConfigureAwait(false);
    }

    /// <summary>Waits for a run this instance started, then returns its record; for a run elsewhere, returns its record as it is.</summary>
    public async Task<RetrainingRun?> WaitAsync(string model, string runId, CancellationToken cancellationToken = default)
    {
        if (_active.TryGetValue(model, out ActiveRun? run) && run.RunId == runId && run.Completion is { } completion)
        {
            await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _runs.GetAsync(model, runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finds the model's runs still marked running whose process is gone (their lock stale, released or held
    /// by another run) and records them as interrupted, with why and where production stands. Breaks a stale lock.
    /// </summary>
    /// <returns>The runs recorded as interrupted.</returns>
    public Task<IReadOnlyList<RetrainingRun>> RecoverInterruptedRunsAsync(string model, CancellationToken cancellationToken = default) =>
        _starter.RecoverInterruptedRunsAsync(model, AbandonedHere, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] running = [.. _active.Values.Select(r => r.Completion).OfType<Task>()];
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Each run records its own end; stopping only waits for them.
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<(ActiveRun? Run, string? RunningId)> BeginAsync(string model, RunTrigger trigger, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        string runId = RetrainingRun.NewId(_timeProvider.GetUtcNow());

        // Known as this process's before its lock exists, so no other instance here can mistake it for abandoned.
        RunsInThisProcess[runId] = 0;
        PreparedRun prepared;
        try
        {
            prepared = await _starter.PrepareAsync(model, trigger, runId, AbandonedHere, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            RunsInThisProcess.TryRemove(runId, out _);
            throw;
        }

        if (prepared.Request is not { } request)
        {
            RunsInThisProcess.TryRemove(runId, out _);
            return (null, prepared.RunId);
        }

        var run = new ActiveRun(request, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        _active[model] = run;
        return (run, null);
    }

    private async Task<RetrainingRun> ExecuteAsync(ActiveRun run, IProgress<string>? progress)
    {
        var runRef = new RunRef(run.Model, run.RunId);
        using IDisposable? subscription = progress is null ? null : _progress.Subscribe(run.RunId, progress);
        using var heartbeatStop = new CancellationTokenSource();
        Task heartbeat = HeartbeatAsync(run, heartbeatStop.Token);
        try
        {
            _progress.Report(runRef, $"run {run.RunId} of model {run.Model} ({run.Trigger.ToString().ToLowerInvariant()})");
            var runner = new LocalWorkflowRunner(_activities, RetrainRequest.InstanceIdFor(run.Model), _timeProvider, _logger, _progress, runRef, run.Cancellation.Token);
            await RetrainingOrchestration.RunAsync(runner, run.Request).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            string reason = run.LockLost
                ? "the run lost its lock (another process found it stale and took over), so it stopped"
                : "the host stopped during the run";
            await MarkInterruptedAsync(run.Model, run.RunId, reason).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Recording the end failed even after retries: say so where possible.
            RetrainingLog.RecordingFailed(_logger, run.Model, run.RunId, e);
            await TryUpdateAsync(run.Model, run.RunId, r => r.Status == RunStatus.Running
                ? r with { Status = RunStatus.Failed, FinishedAt = _timeProvider.GetUtcNow(), Error = $"The run could not record its end: {e.Message}" }
                : r).ConfigureAwait(false);
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            try
            {
                await _locks.ReleaseAsync(run.Model, run.RunId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or PreconditionFailedException)
            {
                // Left behind, the lock is found abandoned: its run is no longer in this process.
                RetrainingLog.TidyUpFailed(_logger, run.Model, run.RunId, e);
            }

            RunsInThisProcess.TryRemove(run.RunId, out _);
            _active.TryRemove(new KeyValuePair<string, ActiveRun>(run.Model, run));
            run.Cancellation.Dispose();
        }

        return await _runs.GetAsync(run.Model, run.RunId, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The record of run {run.RunId} of model '{run.Model}' disappeared.");
    }

    /// <summary>Renews the run's lease until stopped; cancels the run if another process took the lock over.</summary>
    private async Task HeartbeatAsync(ActiveRun run, CancellationToken stop)
    {
        TimeSpan interval = _options.LeaseDuration / 4;
        while (true)
        {
            try
            {
                await Task.Delay(interval, _timeProvider, stop).ConfigureAwait(false);
                if (!await _locks.RenewAsync(run.Model, run.RunId, stop).ConfigureAwait(false) && !stop.IsCancellationRequested)
                {
                    // The last activity releases the lock; only a lock lost mid-run means another process took over.
                    RetrainingRun? record = await _runs.GetAsync(run.Model, run.RunId, stop).ConfigureAwait(false);
                    if (record?.Status == RunStatus.Running)
                    {
                        RetrainingLog.LockLost(_logger, run.Model, run.RunId);
                        run.LockLost = true;
                        await run.Cancellation.CancelAsync().ConfigureAwait(false);
                    }

                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or PreconditionFailedException or InvalidDataException)
            {
                RetrainingLog.RenewFailed(_logger, run.Model, run.RunId, e);
            }
        }
    }

    private async Task MarkInterruptedAsync(string model, string runId, string why)
    {
        string reason = $"Interrupted: {why}. Production was left as it was.";
        try
        {
            await _runs.DeleteStagingAsync(model, runId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or PreconditionFailedException)
        {
            RetrainingLog.TidyUpFailed(_logger, model, runId, e);
        }

        RetrainingRun? marked = await TryUpdateAsync(model, runId, r => RunSteps.Interrupted(r, _timeProvider.GetUtcNow(), reason)).ConfigureAwait(false);
        if (marked?.Status == RunStatus.Interrupted)
        {
            RetrainingLog.RunInterrupted(_logger, model, runId, reason);
        }
    }

    private async Task<RetrainingRun?> TryUpdateAsync(string model, string runId, Func<RetrainingRun, RetrainingRun> change)
    {
        try
        {
            return await _runs.UpdateAsync(model, runId, change, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or PreconditionFailedException or InvalidOperationException or InvalidDataException)
        {
            RetrainingLog.RecordingFailed(_logger, model, runId, e);
            return null;
        }
    }

    /// <summary>A lock held by this very process for a run it is not executing is left over, e.g. from a run whose release failed.</summary>
    private static ValueTask<string?> AbandonedHere(RunLockInfo info, CancellationToken cancellationToken) =>
        ValueTask.FromResult(info.Owner == RunLocks.CurrentProcess && !RunsInThisProcess.ContainsKey(info.RunId)
            ? "this process holds its lock but is not running it"
            : null);

    private sealed class ActiveRun(RetrainRequest request, CancellationTokenSource cancellation)
    {
        public RetrainRequest Request { get; } = request;

        public string Model => Request.Model;

        public string RunId => Request.RunId;

        public RunTrigger Trigger => Request.Trigger;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task<RetrainingRun>? Completion { get; set; }

        public bool LockLost { get; set; }
    }
}
