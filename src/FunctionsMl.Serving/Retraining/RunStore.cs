using System.Text.Json;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// Run records (<c>runs/&lt;name&gt;/&lt;id&gt;.json</c>) and the run's staged files. Every change to a record is a
/// compare-and-swap on its ETag, so steps recorded from different places never lose each other's writes.
/// </summary>
public sealed class RunStore
{
    private const int MaxConflictRetries = 20;

    private readonly IObjectStore _store;

    public RunStore(IObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Creates a new run record.</summary>
    /// <exception cref="PreconditionFailedException">A record with that id exists.</exception>
    public async Task CreateAsync(RetrainingRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        Validate(run.Model, run.Id);
        await _store.WriteAsync(RunPaths.Record(run.Model, run.Id), Serialize(run), WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A run, or <see langword="null"/> when there is none with that id (or the id is not a run id).</summary>
    /// <exception cref="ArgumentException">The model name is not valid.</exception>
    public async Task<RetrainingRun?> GetAsync(string model, string runId, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        if (!RetrainingRun.IsValidId(runId))
        {
            return null;
        }

        return (await ReadAsync(model, runId, cancellationToken).ConfigureAwait(false))?.Run;
    }

    /// <summary>The model's runs, newest first.</summary>
    /// <param name="limit">At most this many; null for all.</param>
    public async Task<IReadOnlyList<RetrainingRun>> ListAsync(string model, int? limit = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        IReadOnlyList<string> ids = await ListIdsAsync(model, cancellationToken).ConfigureAwait(false);
        var runs = new List<RetrainingRun>(ids.Count);
        foreach (string id in ids.Take(limit ?? int.MaxValue))
        {
            if ((await ReadAsync(model, id, cancellationToken).ConfigureAwait(false)) is { } read)
            {
                runs.Add(read.Run);
            }
        }

        return runs;
    }

    /// <summary>The model's run ids, newest first (ids sort by start time).</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        string prefix = RunPaths.Runs(model);
        var ids = new List<string>();
        await foreach (StoredObjectInfo info in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            string rest = info.Path[prefix.Length..];
            if (rest.EndsWith(".json", StringComparison.Ordinal) && !rest.Contains('/', StringComparison.Ordinal) && RetrainingRun.IsValidId(rest[..^5]))
            {
                ids.Add(rest[..^5]);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        ids.Reverse();
        return ids;
    }

    /// <summary>Applies <paramref name="change"/> to the current record and writes it back, retrying when another writer got there first.</summary>
    /// <param name="change">Pure: may be called more than once. Returning the same instance writes nothing.</param>
    /// <exception cref="InvalidOperationException">There is no such run.</exception>
    public async Task<RetrainingRun> UpdateAsync(string model, string runId, Func<RetrainingRun, RetrainingRun> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        Validate(model, runId);
        for (int attempt = 1; ; attempt++)
        {
            (RetrainingRun run, string eTag) = await ReadAsync(model, runId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"There is no run '{runId}' of model '{model}' to update.");
            RetrainingRun changed = change(run);
            if (ReferenceEquals(changed, run))
            {
                return run;
            }

            try
            {
                await _store.WriteAsync(RunPaths.Record(model, runId), Serialize(changed), WriteCondition.IfMatch(eTag), cancellationToken).ConfigureAwait(false);
                return changed;
            }
            catch (PreconditionFailedException) when (attempt < MaxConflictRetries)
            {
            }
        }
    }

    /// <summary>Deletes a run's staged files (definition copy, candidate, holdout). The record stays.</summary>
    public async Task DeleteStagingAsync(string model, string runId, CancellationToken cancellationToken = default)
    {
        Validate(model, runId);
        var paths = new List<string>();
        await foreach (StoredObjectInfo info in _store.ListAsync(RunPaths.Staging(model, runId), cancellationToken).ConfigureAwait(false))
        {
            paths.Add(info.Path);
        }

        foreach (string path in paths)
        {
            await _store.DeleteAsync(path, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> finished runs, records and staged files.</summary>
    /// <returns>How many runs were deleted.</returns>
    public async Task<int> PruneAsync(string model, int keep, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        IReadOnlyList<string> ids = await ListIdsAsync(model, cancellationToken).ConfigureAwait(false);
        int deleted = 0;
        foreach (string id in ids.Skip(keep))
        {
            if ((await ReadAsync(model, id, cancellationToken).ConfigureAwait(false)) is not { } read || read.Run.Status == RunStatus.Running)
            {
                continue;
            }

            await DeleteStagingAsync(model, id, cancellationToken).ConfigureAwait(false);
            try
            {
                await _store.DeleteAsync(RunPaths.Record(model, id), WriteCondition.IfMatch(read.ETag), cancellationToken).ConfigureAwait(false);
                deleted++;
            }
            catch (PreconditionFailedException)
            {
                // Changed meanwhile; the next prune decides again.
            }
        }

        return deleted;
    }

    internal static byte[] Serialize(RetrainingRun run) => JsonSerializer.SerializeToUtf8Bytes(run, RetrainingJson.Indented);

    private async Task<(RetrainingRun Run, string ETag)?> ReadAsync(string model, string runId, CancellationToken cancellationToken)
    {
        string path = RunPaths.Record(model, runId);
        StoredObject? stored = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        try
        {
            RetrainingRun run = JsonSerializer.Deserialize<RetrainingRun>(stored.Content.Span, RetrainingJson.Options)
                ?? throw new InvalidDataException($"The run record '{path}' is empty.");
            return (run, stored.ETag);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The run record '{path}' is not valid: {e.Message}", e);
        }
    }

    private static void Validate(string model, string runId)
    {
        RegistryNames.ValidateModel(model);
        if (!RetrainingRun.IsValidId(runId))
        {
            throw new ArgumentException($"'{runId}' is not a run id (yyyyMMdd-HHmmss-fff-xxxxxx).", nameof(runId));
        }
    }
}
