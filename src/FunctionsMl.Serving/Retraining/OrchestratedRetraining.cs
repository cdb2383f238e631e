using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// The orchestration engine a host starts runs on, seen from the starter: Durable Functions in the Azure app
/// (<c>DurableTaskClient</c>, adapted member by member). Instance ids are <see cref="RetrainRequest.InstanceIdFor"/>.
/// </summary>
public interface IRetrainingOrchestrations
{
    /// <summary>
    /// The run the instance works for (<see cref="RetrainRequest.RunId"/> of its input) while it exists and has not
    /// ended (running, pending or suspended); <see cref="string.Empty"/> when it is active but its input cannot be read;
    /// null when there is no such instance or it has ended.
    /// </summary>
    Task<string?> ActiveRunAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Schedules <see cref="RetrainingOrchestration"/> with <paramref name="request"/> as instance <paramref name="instanceId"/>.</summary>
    /// <exception cref="Exception">The engine refused, e.g. because an active instance with that id exists.</exception>
    Task StartAsync(string instanceId, RetrainRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Starts runs as singleton orchestrations, one instance per model: the <see cref="IRetrainingStarter"/> of a host
/// whose runs execute in an orchestration engine rather than in the process that asked (the Azure app).
/// </summary>
/// <remarks>
/// <para>
/// The engine's instance is the singleton: while the model's instance is active, a start answers with the run in
/// progress and touches nothing. Otherwise <see cref="RunStarter.PrepareAsync"/> takes the model's lock (which also
/// guards two starters racing past that check), records the run, and only then is the instance scheduled; the
/// workflow's last activity releases the lock.
/// </para>
/// <para>
/// Nothing renews the lock while the orchestration runs, so it goes stale after the lease: it only has to hold
/// between two starters' checks. An instance that ended without its last activity (terminated, or failed while
/// recording) leaves a run marked running; the next start finds the lock stale and records that run as interrupted.
/// </para>
/// </remarks>
public sealed class OrchestratedRetraining
{
    private readonly RunStarter _starter;
    private readonly RunLocks _locks;
    private readonly RunStore _runs;
    private readonly ILogger _logger;

    public OrchestratedRetraining(RunStarter starter, RunLocks locks, RunStore runs, ILogger<OrchestratedRetraining>? logger = null)
    {
        _starter = starter ?? throw new ArgumentNullException(nameof(starter));
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>A starter over <paramref name="orchestrations"/>; cheap, for a client that is bound per invocation.</summary>
    public IRetrainingStarter On(IRetrainingOrchestrations orchestrations)
    {
        ArgumentNullException.ThrowIfNull(orchestrations);
        return new Starter(this, orchestrations);
    }

    /// <summary>Starts a run of <paramref name="model"/> as its singleton orchestration, unless one is active.</summary>
    /// <exception cref="ModelNotFoundException">The store has no definition of the model.</exception>
    /// <exception cref="ArgumentException">The model name is not valid.</exception>
    public async Task<RetrainStart> StartAsync(IRetrainingOrchestrations orchestrations, string model, RunTrigger trigger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orchestrations);
        RegistryNames.ValidateModel(model);
        string instanceId = RetrainRequest.InstanceIdFor(model);
        if (await orchestrations.ActiveRunAsync(instanceId, cancellationToken).ConfigureAwait(false) is { } active)
        {
            return new RetrainStart(model, await RunInProgressAsync(model, active, null, cancellationToken).ConfigureAwait(false), AlreadyRunning: true);
        }

        PreparedRun prepared = await _starter.PrepareAsync(model, trigger, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (prepared.Request is not { } request)
        {
            return new RetrainStart(model, prepared.RunId, AlreadyRunning: true);
        }

        try
        {
            await orchestrations.StartAsync(instanceId, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Ask the engine what it holds now: the error may have come after it accepted this very run (a timeout),
            // or another starter's instance got there first (its lock had gone stale).
            string? activeNow = await orchestrations.ActiveRunAsync(instanceId, CancellationToken.None).ConfigureAwait(false);
            if (activeNow == request.RunId)
            {
                return new RetrainStart(model, request.RunId, AlreadyRunning: false);
            }

            RetrainingLog.OrchestrationStartFailed(_logger, model, request.RunId, e);
            try
            {
                await _starter.AbandonAsync(model, request.RunId, $"The orchestration could not be started: {e.Message}", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception abandonFailure) when (abandonFailure is IOException or PreconditionFailedException or InvalidOperationException)
            {
                // The run stays marked running under a lock that goes stale; the next start records it interrupted.
                RetrainingLog.TidyUpFailed(_logger, model, request.RunId, abandonFailure);
            }

            if (activeNow is not null)
            {
                return new RetrainStart(model, await RunInProgressAsync(model, activeNow, request.RunId, CancellationToken.None).ConfigureAwait(false), AlreadyRunning: true);
            }

            throw;
        }

        return new RetrainStart(model, request.RunId, AlreadyRunning: false);
    }

    /// <summary>
    /// The run an active instance works for: <paramref name="reported"/> by the engine when it could read it; else the
    /// lock's holder; else the newest run still running, else the newest run. Never <paramref name="notRunId"/>, the
    /// caller's own abandoned run.
    /// </summary>
    private async Task<string> RunInProgressAsync(string model, string reported, string? notRunId, CancellationToken cancellationToken)
    {
        if (reported.Length > 0)
        {
            return reported;
        }

        if (await _locks.ReadAsync(model, cancellationToken).ConfigureAwait(false) is { } held && held.Info.RunId != notRunId)
        {
            return held.Info.RunId;
        }

        IReadOnlyList<RetrainingRun> others = [.. (await _runs.ListAsync(model, cancellationToken: cancellationToken).ConfigureAwait(false)).Where(r => r.Id != notRunId)];
        return (others.FirstOrDefault(r => r.Status == RunStatus.Running) ?? others.FirstOrDefault())?.Id ?? "unknown";
    }

    private sealed class Starter(OrchestratedRetraining retraining, IRetrainingOrchestrations orchestrations) : IRetrainingStarter
    {
        public Task<RetrainStart> StartAsync(string model, RunTrigger trigger, CancellationToken cancellationToken = default) =>
            retraining.StartAsync(orchestrations, model, trigger, cancellationToken);
    }
}
