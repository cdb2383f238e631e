using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Retraining;

/// <summary>The singleton lock of a model's runs, as stored at <c>runs/&lt;name&gt;/lock.json</c>.</summary>
/// <param name="ExpiresAt">The end of the lease; the holder renews it while it runs (a heartbeat).</param>
public sealed record RunLockInfo(string Model, string RunId, RunOwner Owner, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

/// <summary>
/// A host's own test of whether a lock's run is gone, beyond the lease and process checks: the local host knows
/// which runs it executes; the Azure app can ask Durable Functions whether the model's orchestration still runs.
/// </summary>
/// <returns>Why the lock is abandoned, or null when its run may be alive.</returns>
public delegate ValueTask<string?> LockAbandonedCheck(RunLockInfo info, CancellationToken cancellationToken);

/// <summary>The outcome of <see cref="RunLocks.TryAcquireAsync"/>.</summary>
/// <param name="Holder">The lock as it is now: ours when acquired, else the live run's.</param>
/// <param name="Replaced">A stale lock this acquisition took over, and <paramref name="ReplacedBecause"/> why it was stale.</param>
public sealed record RunLockAttempt(bool Acquired, RunLockInfo Holder, RunLockInfo? Replaced = null, string? ReplacedBecause = null);

/// <summary>
/// One run at a time per model, across every process sharing the store: a lock object created with
/// if-none-match and changed only by compare-and-swap.
/// </summary>
/// <remarks>
/// A lock is stale, and may be taken over, when its lease has expired (its holder stopped renewing it), or
/// when its holder ran on this machine and that process is gone: a process is identified by id and start
/// time, so a reused process id is not mistaken for the holder. The second rule, which holds only where runs
/// execute in the process that started them (<see cref="RetrainingOptions.RunsInStartingProcess"/>), lets a
/// restarted host recover at once instead of waiting out the lease; the first covers holders on other machines.
/// </remarks>
public sealed class RunLocks
{
    private const int MaxConflictRetries = 10;

    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(2);

    private readonly IObjectStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly RetrainingOptions _options;

    public RunLocks(IObjectStore store, TimeProvider timeProvider, IOptions<RetrainingOptions>? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _timeProvider = timeProvider;
        _options = options?.Value ?? new RetrainingOptions();
    }

    /// <summary>This process, as a lock holder.</summary>
    public static RunOwner CurrentProcess { get; } = DescribeCurrentProcess();

    /// <summary>Takes the model's lock for <paramref name="runId"/>, unless a live run holds it.</summary>
    /// <param name="isAbandoned">Extra staleness test, e.g. "held by this process for a run it is not running"; returns why, or null.</param>
    public async Task<RunLockAttempt> TryAcquireAsync(string model, string runId, LockAbandonedCheck? isAbandoned = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        string path = RunPaths.Lock(model);
        for (int attempt = 1; ; attempt++)
        {
            DateTimeOffset now = _timeProvider.GetUtcNow();
            var mine = new RunLockInfo(model, runId, CurrentProcess, now, now + _options.LeaseDuration);
            try
            {
                await _store.WriteAsync(path, Serialize(mine), WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
                return new RunLockAttempt(true, mine);
            }
            catch (PreconditionFailedException) when (attempt < MaxConflictRetries)
            {
            }

            if (await ReadAsync(model, cancellationToken).ConfigureAwait(false) is not { } held)
            {
                continue; // Released meanwhile.
            }

            string? stale = await StaleReasonAsync(held.Info, isAbandoned, cancellationToken).ConfigureAwait(false);
            if (stale is null)
            {
                return new RunLockAttempt(false, held.Info);
            }

            try
            {
                await _store.WriteAsync(path, Serialize(mine), WriteCondition.IfMatch(held.ETag), cancellationToken).ConfigureAwait(false);
                return new RunLockAttempt(true, mine, held.Info, stale);
            }
            catch (PreconditionFailedException) when (attempt < MaxConflictRetries)
            {
                // Another process took it over or renewed it first; look again.
            }
        }
    }

    /// <summary>The model's lock and its ETag, or <see langword="null"/> when no run holds it.</summary>
    public async Task<(RunLockInfo Info, string ETag)?> ReadAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        StoredObject? stored = await _store.ReadAsync(RunPaths.Lock(model), cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        try
        {
            RunLockInfo info = JsonSerializer.Deserialize<RunLockInfo>(stored.Content.Span, RetrainingJson.Options)
                ?? throw new InvalidDataException("empty");
            return (info, stored.ETag);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            // A lock nobody can read protects nothing; treat it as expired so the model is not stuck.
            return (new RunLockInfo(model, "unreadable", new RunOwner("unknown", 0, DateTimeOffset.MinValue), DateTimeOffset.MinValue, DateTimeOffset.MinValue), stored.ETag);
        }
    }

    /// <summary>Extends the lease of <paramref name="runId"/>'s lock.</summary>
    /// <returns>False when the run no longer holds the lock (it was released, or taken over as stale).</returns>
    public async Task<bool> RenewAsync(string model, string runId, CancellationToken cancellationToken = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (await ReadAsync(model, cancellationToken).ConfigureAwait(false) is not { } held || held.Info.RunId != runId)
            {
                return false;
            }

            RunLockInfo renewed = held.Info with { ExpiresAt = _timeProvider.GetUtcNow() + _options.LeaseDuration };
            try
            {
                await _store.WriteAsync(RunPaths.Lock(model), Serialize(renewed), WriteCondition.IfMatch(held.ETag), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PreconditionFailedException) when (attempt < MaxConflictRetries)
            {
            }
        }
    }

    /// <summary>Releases the lock if <paramref name="runId"/> holds it; idempotent.</summary>
    /// <returns>Whether a lock was released.</returns>
    public async Task<bool> ReleaseAsync(string model, string runId, CancellationToken cancellationToken = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (await ReadAsync(model, cancellationToken).ConfigureAwait(false) is not { } held || held.Info.RunId != runId)
            {
                return false;
            }

            try
            {
                return await _store.DeleteAsync(RunPaths.Lock(model), WriteCondition.IfMatch(held.ETag), cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException) when (attempt < MaxConflictRetries)
            {
            }
        }
    }

    /// <summary>Removes a lock found stale, unless it changed since it was read at <paramref name="eTag"/>.</summary>
    public async Task<bool> BreakAsync(string model, string eTag, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _store.DeleteAsync(RunPaths.Lock(model), WriteCondition.IfMatch(eTag), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }

    /// <summary>Why the lock no longer protects a live run, or <see langword="null"/> when it may.</summary>
    public string? StaleReason(RunLockInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        DateTimeOffset now = _timeProvider.GetUtcNow();
        if (info.ExpiresAt <= now)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its lease expired at {info.ExpiresAt:u} ({info.Owner} stopped renewing it)");
        }

        if (_options.RunsInStartingProcess && info.Owner.Host == CurrentProcess.Host && !IsAlive(info.Owner))
        {
            return $"{info.Owner}, which held its lock, is no longer running";
        }

        return null;
    }

    /// <summary><see cref="StaleReason"/>, then the host's own test.</summary>
    public async ValueTask<string?> StaleReasonAsync(RunLockInfo info, LockAbandonedCheck? isAbandoned, CancellationToken cancellationToken = default) =>
        StaleReason(info) ?? (isAbandoned is null ? null : await isAbandoned(info, cancellationToken).ConfigureAwait(false));

    private static bool IsAlive(RunOwner owner)
    {
        if (owner.ProcessId == CurrentProcess.ProcessId)
        {
            return (owner.ProcessStartedAt - CurrentProcess.ProcessStartedAt).Duration() <= StartTimeTolerance;
        }

        try
        {
            using var process = Process.GetProcessById(owner.ProcessId);
            return !process.HasExited && (process.StartTime.ToUniversalTime() - owner.ProcessStartedAt.UtcDateTime).Duration() <= StartTimeTolerance;
        }
        catch (ArgumentException)
        {
            return false; // No process has that id.
        }
        catch (InvalidOperationException)
        {
            return false; // It exited while being looked at.
        }
        catch (Win32Exception)
        {
            return true; // Not ours to inspect: assume alive and let the lease decide.
        }
    }

    private static RunOwner DescribeCurrentProcess()
    {
        DateTimeOffset started;
        try
        {
            using var process = Process.GetCurrentProcess();
            started = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or NotSupportedException)
        {
            // A sandbox that hides start times: the lease alone then tells a dead holder from a live one.
            started = DateTimeOffset.UtcNow;
        }

        return new RunOwner(Environment.MachineName, Environment.ProcessId, started);
    }

    private static byte[] Serialize(RunLockInfo info) => JsonSerializer.SerializeToUtf8Bytes(info, RetrainingJson.Indented);
}
