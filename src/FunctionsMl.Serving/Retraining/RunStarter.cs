using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Retraining;

/// <summary>A run ready for the orchestration, or the run that is already in progress.</summary>
/// <param name="Request">The orchestration's input; null when <paramref name="RunId"/> is already running.</param>
/// <param name="RunId">The new run, or the one in progress.</param>
public sealed record PreparedRun(RetrainRequest? Request, string RunId)
{
    public bool AlreadyRunning => Request is null;
}

/// <summary>
/// Starts runs the same way in every host: takes the model's singleton lock, records runs that a dead process
/// left unfinished as interrupted, and creates the new run's record. The host then runs
/// <see cref="RetrainingOrchestration"/> with the request (in-process locally; as a Durable orchestration with
/// instance id <see cref="RetrainRequest.InstanceIdFor"/> in Azure), whose last activity releases the lock.
/// </summary>
public sealed class RunStarter
{
    private readonly DefinitionStore _definitions;
    private readonly RunStore _runs;
    private readonly RunLocks _locks;
    private readonly ModelRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly RetrainingOptions _options;
    private readonly ILogger _logger;

    public RunStarter(
        DefinitionStore definitions,
        RunStore runs,
        RunLocks locks,
        ModelRegistry registry,
        TimeProvider timeProvider,
        IOptions<RetrainingOptions>? options = null,
        ILogger<RunStarter>? logger = null)
    {
        _definitions = definitions ?? throw new ArgumentNullException(nameof(definitions));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options?.Value ?? new RetrainingOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Prepares a run of <paramref name="model"/>, unless one is in progress.</summary>
    /// <param name="runId">The new run's id (<see cref="RetrainingRun.NewId"/>); null to make one.</param>
    /// <param name="isAbandoned">The host's own test of whether a held lock's run is gone.</param>
    /// <exception cref="ModelNotFoundException">The store has no definition of the model.</exception>
    /// <exception cref="ArgumentException">The model name is not valid.</exception>
    public async Task<PreparedRun> PrepareAsync(string model, RunTrigger trigger, string? runId = null, LockAbandonedCheck? isAbandoned = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        if (await _definitions.GetAsync(model, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ModelNotFoundException(model, message: $"There is no definition of model '{model}' in the store; publish its folder first (functionsml train models/{model}).");
        }

        DateTimeOffset now = _timeProvider.GetUtcNow();
        runId ??= RetrainingRun.NewId(now);
        RunLockAttempt attempt = await _locks.TryAcquireAsync(model, runId, WithFinishedRuns(model, isAbandoned), cancellationToken).ConfigureAwait(false);
        if (!attempt.Acquired)
        {
            RetrainingLog.AlreadyRunning(_logger, model, trigger, attempt.Holder.RunId);
            return new PreparedRun(null, attempt.Holder.RunId);
        }

        try
        {
            await RecoverAsync(model, runId, attempt.Replaced, attempt.ReplacedBecause, isAbandoned, cancellationToken).ConfigureAwait(false);
            await _runs.CreateAsync(
                new RetrainingRun { Id = runId, Model = model, Trigger = trigger, Status = RunStatus.Running, StartedAt = now, Owner = RunLocks.CurrentProcess },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _locks.ReleaseAsync(model, runId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        RetrainingLog.RunStarted(_logger, model, runId, trigger);
        return new PreparedRun(new RetrainRequest(model, runId, trigger, _options.ToRetry()), runId);
    }

    /// <summary>
    /// Records a prepared run that never got going (the host could not schedule its orchestration) as failed,
    /// and releases its lock.
    /// </summary>
    public async Task AbandonAsync(string model, string runId, string error, CancellationToken cancellationToken = default)
    {
        await _runs.UpdateAsync(
            model,
            runId,
            r => r.Status == RunStatus.Running
                ? r with { Status = RunStatus.Failed, FinishedAt = _timeProvider.GetUtcNow(), DurationSeconds = Math.Max(0, (_timeProvider.GetUtcNow() - r.StartedAt).TotalSeconds), Error = error }
                : r,
            cancellationToken).ConfigureAwait(false);
        await _locks.ReleaseAsync(model, runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finds the model's runs still marked running whose process is gone (their lock stale, released or held
    /// by another run) and records them as interrupted, with why and where production stands. Breaks a stale lock.
    /// </summary>
    /// <returns>The runs recorded as interrupted.</returns>
    public Task<IReadOnlyList<RetrainingRun>> RecoverInterruptedRunsAsync(string model, LockAbandonedCheck? isAbandoned = null, CancellationToken cancellationToken = default) =>
        RecoverAsync(model, ourRunId: null, replaced: null, replacedBecause: null, isAbandoned, cancellationToken);

    /// <summary>
    /// Adds "its run has already finished": a run's last activity writes its final record and then releases the
    /// lock, so a caller who saw the record final may ask again before the release; the lock is then spent.
    /// </summary>
    private LockAbandonedCheck WithFinishedRuns(string model, LockAbandonedCheck? isAbandoned) => async (info, cancellationToken) =>
    {
        if (RetrainingRun.IsValidId(info.RunId)
            && await _runs.GetAsync(model, info.RunId, cancellationToken).ConfigureAwait(false) is { Status: not RunStatus.Running } finished)
        {
            return $"its run {finished.Id} has already finished ({finished.Status.ToString().ToLowerInvariant()})";
        }

        return isAbandoned is null ? null : await isAbandoned(info, cancellationToken).ConfigureAwait(false);
    };

    private async Task<IReadOnlyList<RetrainingRun>> RecoverAsync(
        string model,
        string? ourRunId,
        RunLockInfo? replaced,
        string? replacedBecause,
        LockAbandonedCheck? isAbandoned,
        CancellationToken cancellationToken)
    {
        RegistryNames.ValidateModel(model);

        // Records first, then the lock: a run whose record is listed took its lock before the listing, so the
        // lock read next shows it if it is still alive.
        IReadOnlyList<RetrainingRun> running = [.. (await _runs.ListAsync(model, cancellationToken: cancellationToken).ConfigureAwait(false))
            .Where(r => r.Status == RunStatus.Running && r.Id != ourRunId)];
        if (running.Count == 0)
        {
            return [];
        }

        (RunLockInfo Info, string ETag)? held = await _locks.ReadAsync(model, cancellationToken).ConfigureAwait(false);
        string? heldStale = held is { } h ? await _locks.StaleReasonAsync(h.Info, WithFinishedRuns(model, isAbandoned), cancellationToken).ConfigureAwait(false) : null;
        string? production = (await _registry.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false)).VersionOf(IModelResolver.ProductionAlias);
        string productionNow = production is null ? "production has no version" : $"production is still version {production}";

        // The stale lock goes first, so that once a run reads as interrupted its model is free; a run started in
        // between is not in the list, and marking a run interrupted twice is a no-op.
        if (held is { } stale && heldStale is not null && stale.Info.RunId != ourRunId)
        {
            await _locks.BreakAsync(model, stale.ETag, cancellationToken).ConfigureAwait(false);
        }

        var interrupted = new List<RetrainingRun>();
        foreach (RetrainingRun run in running)
        {
            string why;
            if (held is { } current && current.Info.RunId == run.Id)
            {
                if (heldStale is null)
                {
                    continue; // Alive elsewhere.
                }

                why = heldStale;
            }
            else if (replaced?.RunId == run.Id)
            {
                why = replacedBecause ?? "its lock was stale";
            }
            else
            {
                why = run.Owner is { } owner
                    ? $"{owner} no longer holds the model's lock, yet the run never finished"
                    : "no process holds the model's lock for it, yet the run never finished";
            }

            // Its staged files go before the record says interrupted, so a reader who sees the verdict sees it tidied.
            string reason = $"Interrupted: {why}. The run did not finish; {productionNow}.";
            await _runs.DeleteStagingAsync(model, run.Id, cancellationToken).ConfigureAwait(false);
            RetrainingRun marked = await _runs.UpdateAsync(model, run.Id, r => RunSteps.Interrupted(r, _timeProvider.GetUtcNow(), reason), cancellationToken).ConfigureAwait(false);
            if (marked.Status == RunStatus.Interrupted)
            {
                RetrainingLog.RunInterrupted(_logger, model, run.Id, reason);
                interrupted.Add(marked);
            }
        }

        return interrupted;
    }
}
