using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Registry;

/// <summary>
/// Model versions, aliases and their audit history, kept in an <see cref="IObjectStore"/> so that every
/// process and host sharing the store sees one registry. Safe for concurrent use by many threads and
/// processes: every decision that must not race is a compare-and-swap on one object.
/// </summary>
/// <remarks>
/// <para>
/// Layout: see <c>RegistryPaths</c>. A version is <em>complete</em>, and only then listed, loadable or
/// aliasable, when its model file, manifest and <c>version.json</c> all exist; they are written in that
/// order with create-only writes and deleted in the reverse order, so a crash at any point leaves an
/// incomplete version, never a listed one missing a file.
/// </para>
/// <para>
/// Version ids: a registration claims <c>max + 1</c> (over every version folder, complete or not) by
/// creating its model file with if-none-match, moving on to the next id when another registration got
/// there first. Ids are therefore unique and increase in the order registrations claim them; crash-free
/// registrations leave no gaps, an interrupted one leaves its id unused. Retention never deletes the
/// highest id, so an id is never handed out twice.
/// </para>
/// <para>
/// Aliases, the version each alias had before its latest change, the versions retention is deleting,
/// and the recent audit history all live in <c>aliases.json</c>; every change to it is a compare-and-swap
/// on its ETag, so an alias change and its audit entry are one atomic write.
/// </para>
/// </remarks>
public sealed class ModelRegistry
{
    private readonly IObjectStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ModelRegistryOptions _options;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public ModelRegistry(IObjectStore store, TimeProvider timeProvider, ILogger<ModelRegistry>? logger = null, ModelRegistryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _options = options ?? new ModelRegistryOptions();
        _options.Validate();
    }

    /// <summary>
    /// Raised after this instance changed a model's aliases (set, remove, rollback), so a predictor cache
    /// in the same process can switch at once instead of at its next refresh. Handlers run synchronously;
    /// their exceptions are logged, not thrown.
    /// </summary>
    public event EventHandler<ModelAliasesChangedEventArgs>? AliasesChanged;

    /// <summary>The store the registry keeps its data in.</summary>
    public IObjectStore Store => _store;

    /// <summary>
    /// Registers a model file and its manifest as the model's next version. Registering bytes identical
    /// to a complete version returns that version instead (<see cref="ModelRegistration.Created"/> false).
    /// </summary>
    /// <param name="manifest">The engine's manifest; stored and returned as given.</param>
    /// <param name="registeredBy">Who registers (a user, "retraining run 42", ...).</param>
    /// <exception cref="ArgumentException">The model name is invalid, the file is empty, the manifest is undefined or <paramref name="registeredBy"/> is blank.</exception>
    public async Task<ModelRegistration> RegisterAsync(string model, ReadOnlyMemory<byte> modelFile, JsonElement manifest, string registeredBy, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        if (modelFile.IsEmpty)
        {
            throw new ArgumentException("The model file is empty.", nameof(modelFile));
        }

        if (manifest.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The manifest is an undefined JsonElement; pass the engine's manifest document.", nameof(manifest));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(registeredBy);
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(modelFile.Span));

        VersionScan scan = await ScanVersionsAsync(model, cancellationToken).ConfigureAwait(false);
        if (await FindIdenticalAsync(model, scan, sha256, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            RegistryLog.AlreadyRegistered(_logger, model, existing.Version);
            return new ModelRegistration(existing, Created: false);
        }

        long number = await ClaimVersionAsync(model, scan.HighestId + 1, modelFile, cancellationToken).ConfigureAwait(false);
        string version = number.ToString(CultureInfo.InvariantCulture);

        byte[] manifestBytes = SerializeManifest(manifest);
        await CreateVersionFileAsync(model, version, RegistryPaths.ManifestFileName, manifestBytes, cancellationToken).ConfigureAwait(false);
        var document = new VersionDocument
        {
            Model = model,
            Version = version,
            Sha256 = sha256,
            Size = modelFile.Length,
            RegisteredAt = _timeProvider.GetUtcNow(),
            RegisteredBy = registeredBy,
        };
        await CreateVersionFileAsync(model, version, RegistryPaths.VersionFileName, Serialize(document, RegistryJsonContext.Default.VersionDocument), cancellationToken).ConfigureAwait(false);
        RegistryLog.Registered(_logger, model, version, sha256, modelFile.Length, registeredBy);

        // Two registrations of the same bytes racing each other both get here; both answer with the
        // earliest complete version holding those bytes, so they go on to promote the same one.
        VersionScan after = await ScanVersionsAsync(model, cancellationToken).ConfigureAwait(false);
        if (await FindIdenticalAsync(model, after, sha256, cancellationToken).ConfigureAwait(false) is { } earliest && earliest.Version != version)
        {
            RegistryLog.DuplicateRegistration(_logger, model, version, earliest.Version);
            return new ModelRegistration(earliest, Created: false);
        }

        return new ModelRegistration(ToInfo(document, manifest.Clone()), Created: true);
    }

    /// <summary>The names of every model with anything stored, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (StoredObjectInfo info in _store.ListAsync(RegistryPaths.ModelsPrefix, cancellationToken).ConfigureAwait(false))
        {
            string rest = info.Path[RegistryPaths.ModelsPrefix.Length..];
            int slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                names.Add(rest[..slash]);
            }
        }

        return [.. names];
    }

    /// <summary>The model's complete versions, oldest first, with their manifests. Versions retention is deleting are left out.</summary>
    public async Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        VersionScan scan = await ScanVersionsAsync(model, cancellationToken).ConfigureAwait(false);
        (AliasDocument aliases, _) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
        var versions = new List<ModelVersionInfo>();
        foreach (long number in scan.Complete)
        {
            string version = number.ToString(CultureInfo.InvariantCulture);
            if (!aliases.Retiring.Contains(version) && await ReadVersionAsync(model, version, cancellationToken).ConfigureAwait(false) is { } info)
            {
                versions.Add(info);
            }
        }

        return versions;
    }

    /// <summary>One complete version, or <see langword="null"/> when it does not exist or is incomplete.</summary>
    public async Task<ModelVersionInfo?> GetVersionAsync(string model, string version, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateVersion(version);
        foreach (string file in RegistryPaths.VersionFiles)
        {
            if (await _store.GetETagAsync(RegistryPaths.VersionFile(model, version, file), cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }
        }

        return await ReadVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The model file of a complete version, or <see langword="null"/>. The registry does not check the
    /// bytes; the caller compares them with <see cref="ModelVersionInfo.Sha256"/> and the engine's loader
    /// checks the format.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>?> ReadModelFileAsync(string model, string version, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateVersion(version);
        foreach (string marker in new[] { RegistryPaths.VersionFileName, RegistryPaths.ManifestFileName })
        {
            if (await _store.GetETagAsync(RegistryPaths.VersionFile(model, version, marker), cancellationToken).ConfigureAwait(false) is null)
            {
                return null; // Incomplete, or being deleted.
            }
        }

        StoredObject? file = await _store.ReadAsync(RegistryPaths.VersionFile(model, version, RegistryPaths.ModelFileName), cancellationToken).ConfigureAwait(false);
        return file?.Content;
    }

    /// <summary>
    /// Pass as <c>expectedETag</c> to change aliases only while the model has none at all, as a model's first
    /// promotion decides on (its <see cref="ModelAliases.ETag"/> is null then, and null means "no condition").
    /// </summary>
    public const string NoAliasesYet = "<no aliases>";

    /// <summary>The model's aliases and the ETag to pass back as <c>expectedETag</c>.</summary>
    public async Task<ModelAliases> GetAliasesAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        (AliasDocument document, string? eTag) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
        return ToAliases(model, document, eTag);
    }

    /// <summary>The current ETag of the model's aliases without reading them: how caches notice changes cheaply.</summary>
    public Task<string?> GetAliasesETagAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        return _store.GetETagAsync(RegistryPaths.Aliases(model), cancellationToken);
    }

    /// <summary>
    /// Points <paramref name="alias"/> at <paramref name="version"/> and records the change, in one atomic write.
    /// </summary>
    /// <param name="expectedETag">
    /// The <see cref="ModelAliases.ETag"/> the caller decided on: the change is made only if the aliases
    /// are still in that state (compare-and-swap); <see cref="NoAliasesYet"/> for "the model has no aliases".
    /// <see langword="null"/>: apply to whatever the current state is, retrying if another change lands first.
    /// </param>
    /// <returns>The aliases after the change. If the alias already points to the version, nothing is written or recorded, whatever the ETag.</returns>
    /// <exception cref="PreconditionFailedException">The aliases changed since <paramref name="expectedETag"/>.</exception>
    /// <exception cref="ModelNotFoundException">The version does not exist or is incomplete.</exception>
    /// <exception cref="InvalidOperationException">Retention is deleting the version.</exception>
    public Task<ModelAliases> SetAliasAsync(string model, string alias, string version, AliasChange change, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateAlias(alias);
        RegistryNames.ValidateVersion(version);
        ArgumentNullException.ThrowIfNull(change);
        change.Validate(nameof(change));
        return ChangeAliasAsync(model, alias, AliasAction.Set, _ => version, change, expectedETag, cancellationToken);
    }

    /// <summary>Removes <paramref name="alias"/> and records it. Removing an absent alias writes nothing.</summary>
    /// <exception cref="PreconditionFailedException">The aliases changed since <paramref name="expectedETag"/>.</exception>
    public Task<ModelAliases> RemoveAliasAsync(string model, string alias, AliasChange change, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateAlias(alias);
        ArgumentNullException.ThrowIfNull(change);
        change.Validate(nameof(change));
        return ChangeAliasAsync(model, alias, AliasAction.Remove, _ => null, change, expectedETag, cancellationToken);
    }

    /// <summary>
    /// Points <paramref name="alias"/> back to the version it pointed to before its latest change (undoing
    /// a promotion or a removal) and records it. A second rollback undoes the first.
    /// </summary>
    /// <exception cref="InvalidOperationException">The alias has no earlier version (its latest change created it, or it was never set).</exception>
    /// <exception cref="ModelNotFoundException">The earlier version no longer exists.</exception>
    /// <exception cref="PreconditionFailedException">The aliases changed since <paramref name="expectedETag"/>.</exception>
    public Task<ModelAliases> RollbackAsync(string model, string alias, AliasChange change, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateAlias(alias);
        ArgumentNullException.ThrowIfNull(change);
        change.Validate(nameof(change));
        return ChangeAliasAsync(
            model,
            alias,
            AliasAction.Rollback,
            document => document.Previous.GetValueOrDefault(alias)
                ?? throw new InvalidOperationException($"Alias '{alias}' of model '{model}' has no earlier version to roll back to."),
            change,
            expectedETag,
            cancellationToken);
    }

    /// <summary>Every recorded alias change of the model, oldest first, archived ones included.</summary>
    public async Task<IReadOnlyList<AliasAuditEntry>> GetAuditAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);

        // The document first: entries archived after this read are still in this copy, and entries archived
        // before it were written to their segment before the document lost them, so the listing below has them.
        (AliasDocument document, _) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
        var entries = new SortedDictionary<long, AliasAuditEntry>();
        foreach (AliasAuditEntry entry in document.History)
        {
            entries[entry.Sequence] = entry;
        }

        await foreach (StoredObjectInfo info in _store.ListAsync(RegistryPaths.AuditFolder(model), cancellationToken).ConfigureAwait(false))
        {
            StoredObject? segment = await _store.ReadAsync(info.Path, cancellationToken).ConfigureAwait(false);
            if (segment is not null)
            {
                foreach (AliasAuditEntry entry in Deserialize(segment, info.Path, RegistryJsonContext.Default.AuditSegment).Entries)
                {
                    entries.TryAdd(entry.Sequence, entry);
                }
            }
        }

        return [.. entries.Values];
    }

    /// <summary>
    /// Deletes the versions that are not among the newest <paramref name="keepNewest"/>, not pointed to by
    /// an alias and not an alias's rollback target; and removes versions left incomplete by interrupted
    /// registrations once older than <see cref="ModelRegistryOptions.IncompleteVersionGracePeriod"/>.
    /// </summary>
    /// <remarks>
    /// Racing a promotion is safe because the decision and the claim are one compare-and-swap on the alias
    /// document: retention first records the doomed versions in that document's <c>retiring</c> list,
    /// conditioned on the ETag of the very state in which it saw them unaliased. An alias change that
    /// lands first changes the ETag, so the claim fails and retention decides again; one that comes after
    /// reads the list and refuses those versions. Only after the claim is committed are files deleted
    /// (commit marker first), and then the list is cleared; a crash in between leaves the claim, and the
    /// next run finishes the job.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepNewest"/> is less than 1.</exception>
    public async Task<RetentionResult> ApplyRetentionAsync(string model, int keepNewest, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepNewest, 1);

        for (int attempt = 1; ; attempt++)
        {
            (AliasDocument document, string? eTag) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
            VersionScan scan = await ScanVersionsAsync(model, cancellationToken).ConfigureAwait(false);
            Plan plan = PlanRetention(document, scan, keepNewest);

            if (plan.Complete.Count + plan.Incomplete.Count > 0)
            {
                document.Retiring.AddRange(plan.Complete.Concat(plan.Incomplete));
                try
                {
                    await WriteAliasDocumentAsync(model, document, eTag, cancellationToken).ConfigureAwait(false);
                }
                catch (PreconditionFailedException) when (attempt < _options.MaxConflictRetries)
                {
                    continue;
                }
            }

            if (document.Retiring.Count == 0)
            {
                return new RetentionResult([], [], plan.Kept);
            }

            var retiring = document.Retiring.ToList();
            foreach (string version in retiring)
            {
                await DeleteVersionFilesAsync(model, version, cancellationToken).ConfigureAwait(false);
                if (plan.Incomplete.Contains(version))
                {
                    RegistryLog.IncompleteVersionRemoved(_logger, model, version);
                }
                else
                {
                    RegistryLog.VersionDeleted(_logger, model, version);
                }
            }

            await ClearRetiringAsync(model, retiring, cancellationToken).ConfigureAwait(false);
            return new RetentionResult(
                [.. retiring.Where(v => !plan.Incomplete.Contains(v))],
                plan.Incomplete,
                plan.Kept);
        }
    }

    private Plan PlanRetention(AliasDocument document, VersionScan scan, int keepNewest)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        keep.UnionWith(document.Aliases.Values);
        keep.UnionWith(document.Previous.Values.OfType<string>());
        keep.UnionWith(scan.Complete.OrderDescending().Take(keepNewest).Select(Format));

        var complete = scan.Complete.Select(Format).Where(v => !keep.Contains(v) && !document.Retiring.Contains(v)).ToList();

        // The highest id stays even when incomplete: deleting it would let the next registration reuse the id.
        DateTimeOffset cutoff = _timeProvider.GetUtcNow() - _options.IncompleteVersionGracePeriod;
        var incomplete = scan.Incomplete
            .Where(n => n != scan.HighestId && scan.LastWritten[n] < cutoff)
            .Select(Format)
            .Where(v => !keep.Contains(v) && !document.Retiring.Contains(v))
            .ToList();

        var kept = scan.Complete.Select(Format).Where(v => keep.Contains(v) && !document.Retiring.Contains(v)).ToList();
        return new Plan(complete, incomplete, kept);
    }

    private async Task ClearRetiringAsync(string model, List<string> done, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            (AliasDocument document, string? eTag) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
            if (document.Retiring.RemoveAll(done.Contains) == 0)
            {
                return;
            }

            try
            {
                await WriteAliasDocumentAsync(model, document, eTag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PreconditionFailedException) when (attempt < _options.MaxConflictRetries)
            {
            }
        }
    }

    private async Task DeleteVersionFilesAsync(string model, string version, CancellationToken cancellationToken)
    {
        // The commit marker goes first, so the version stops being complete before any file it needs is gone.
        foreach (string file in RegistryPaths.VersionFiles.Reverse())
        {
            await _store.DeleteAsync(RegistryPaths.VersionFile(model, version, file), WriteCondition.None, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ModelAliases> ChangeAliasAsync(
        string model,
        string alias,
        AliasAction action,
        Func<AliasDocument, string?> target,
        AliasChange change,
        string? expectedETag,
        CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            (AliasDocument document, string? eTag) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
            string? from = document.Aliases.GetValueOrDefault(alias);
            bool eTagHolds = expectedETag switch
            {
                null => true,
                NoAliasesYet => eTag is null,
                _ => string.Equals(expectedETag, eTag, StringComparison.Ordinal),
            };

            // Asking for the state that already holds is a no-op even under a stale ETag, so a retried
            // promotion succeeds. (A rollback always moves, so it is never a no-op.)
            if (action != AliasAction.Rollback)
            {
                string? wanted = target(document);
                if (from == wanted)
                {
                    return ToAliases(model, document, eTag);
                }
            }

            if (!eTagHolds)
            {
                throw new PreconditionFailedException(RegistryPaths.Aliases(model), expectedETag == NoAliasesYet ? WriteCondition.IfNoneMatch : WriteCondition.IfMatch(expectedETag!));
            }

            string? to = target(document);
            if (to is not null)
            {
                await EnsureAliasableAsync(model, alias, to, document, cancellationToken).ConfigureAwait(false);
            }

            if (action == AliasAction.Rollback && from == to)
            {
                return ToAliases(model, document, eTag);
            }

            if (to is null)
            {
                document.Aliases.Remove(alias);
            }
            else
            {
                document.Aliases[alias] = to;
            }

            document.Previous[alias] = from;
            var entry = new AliasAuditEntry(document.NextSequence++, _timeProvider.GetUtcNow(), action, alias, from, to, change.By, change.Reason);
            document.History.Add(entry);
            await ArchiveOldEntriesAsync(model, document, cancellationToken).ConfigureAwait(false);

            string newETag;
            try
            {
                newETag = await WriteAliasDocumentAsync(model, document, eTag, cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException) when (expectedETag is null && attempt < _options.MaxConflictRetries)
            {
                continue;
            }

            RegistryLog.AliasChanged(_logger, model, alias, action, from, to, change.By, change.Reason);
            ModelAliases result = ToAliases(model, document, newETag);
            RaiseAliasesChanged(result);
            return result;
        }
    }

    private async Task EnsureAliasableAsync(string model, string alias, string version, AliasDocument document, CancellationToken cancellationToken)
    {
        if (document.Retiring.Contains(version))
        {
            throw new InvalidOperationException($"Version '{version}' of model '{model}' is being deleted by retention; alias '{alias}' cannot point to it.");
        }

        foreach (string file in RegistryPaths.VersionFiles)
        {
            if (await _store.GetETagAsync(RegistryPaths.VersionFile(model, version, file), cancellationToken).ConfigureAwait(false) is null)
            {
                throw new ModelNotFoundException(model, version);
            }
        }
    }

    private async Task ArchiveOldEntriesAsync(string model, AliasDocument document, CancellationToken cancellationToken)
    {
        // Segments cover fixed sequence ranges, and entries never change once committed, so a segment
        // written by an attempt whose compare-and-swap then failed has exactly the content any later
        // attempt would write: writing it again is a no-op, and readers merge by sequence.
        int size = _options.AuditArchiveSegmentSize;
        while (document.NextSequence - 1 - document.ArchivedThrough > _options.AuditHistoryLimit)
        {
            long first = document.ArchivedThrough + 1;
            long last = document.ArchivedThrough + size;
            var segment = new AuditSegment { Entries = document.History.Where(e => e.Sequence >= first && e.Sequence <= last).ToList() };
            try
            {
                await _store.WriteAsync(
                    RegistryPaths.AuditSegment(model, first, last),
                    Serialize(segment, RegistryJsonContext.Default.AuditSegment),
                    WriteCondition.IfNoneMatch,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException)
            {
                // Already archived by an earlier attempt.
            }

            document.History.RemoveAll(e => e.Sequence <= last);
            document.ArchivedThrough = last;
        }
    }

    private async Task<long> ClaimVersionAsync(string model, long first, ReadOnlyMemory<byte> modelFile, CancellationToken cancellationToken)
    {
        for (long candidate = first; ; candidate++)
        {
            string path = RegistryPaths.VersionFile(model, Format(candidate), RegistryPaths.ModelFileName);
            try
            {
                await _store.WriteAsync(path, modelFile, WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
                return candidate;
            }
            catch (PreconditionFailedException) when (candidate - first < _options.MaxConflictRetries * 10)
            {
                // Another registration claimed this id first; the next one is ours to try.
            }
        }
    }

    private async Task CreateVersionFileAsync(string model, string version, string file, byte[] content, CancellationToken cancellationToken)
    {
        try
        {
            await _store.WriteAsync(RegistryPaths.VersionFile(model, version, file), content, WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException e)
        {
            // Only possible if this registration stalled past the grace period, retention removed its
            // claim and another registration took the id: this one must not mix its files into that version.
            throw new InvalidOperationException(
                $"Version '{version}' of model '{model}' was taken over while this registration was writing it; register again.", e);
        }
    }

    private async Task<ModelVersionInfo?> FindIdenticalAsync(string model, VersionScan scan, string sha256, CancellationToken cancellationToken)
    {
        (AliasDocument aliases, _) = await ReadAliasDocumentAsync(model, cancellationToken).ConfigureAwait(false);
        foreach (long number in scan.Complete)
        {
            string version = Format(number);
            if (aliases.Retiring.Contains(version))
            {
                continue; // About to be deleted: register the bytes anew instead.
            }

            StoredObject? stored = await _store.ReadAsync(RegistryPaths.VersionFile(model, version, RegistryPaths.VersionFileName), cancellationToken).ConfigureAwait(false);
            if (stored is not null
                && Deserialize(stored, RegistryPaths.VersionFile(model, version, RegistryPaths.VersionFileName), RegistryJsonContext.Default.VersionDocument).Sha256 == sha256
                && await ReadVersionAsync(model, version, cancellationToken).ConfigureAwait(false) is { } info)
            {
                return info;
            }
        }

        return null;
    }

    private async Task<ModelVersionInfo?> ReadVersionAsync(string model, string version, CancellationToken cancellationToken)
    {
        string versionPath = RegistryPaths.VersionFile(model, version, RegistryPaths.VersionFileName);
        string manifestPath = RegistryPaths.VersionFile(model, version, RegistryPaths.ManifestFileName);
        StoredObject? versionFile = await _store.ReadAsync(versionPath, cancellationToken).ConfigureAwait(false);
        StoredObject? manifestFile = await _store.ReadAsync(manifestPath, cancellationToken).ConfigureAwait(false);
        if (versionFile is null || manifestFile is null)
        {
            return null; // Deleted meanwhile.
        }

        VersionDocument document = Deserialize(versionFile, versionPath, RegistryJsonContext.Default.VersionDocument);
        JsonElement manifest;
        try
        {
            using JsonDocument parsed = JsonDocument.Parse(manifestFile.Content);
            manifest = parsed.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The manifest '{manifestPath}' is not valid JSON: {e.Message}", e);
        }

        return ToInfo(document, manifest);
    }

    private async Task<VersionScan> ScanVersionsAsync(string model, CancellationToken cancellationToken)
    {
        string prefix = RegistryPaths.Versions(model);
        var files = new Dictionary<long, int>();
        var lastWritten = new Dictionary<long, DateTimeOffset>();
        await foreach (StoredObjectInfo info in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            string[] parts = info.Path[prefix.Length..].Split('/');
            if (parts.Length != 2 || !RegistryNames.TryParseVersion(parts[0], out long number))
            {
                continue;
            }

            int bit = Array.IndexOf(RegistryPaths.VersionFiles, parts[1]);
            if (bit >= 0)
            {
                files[number] = files.GetValueOrDefault(number) | (1 << bit);
            }

            lastWritten[number] = lastWritten.TryGetValue(number, out DateTimeOffset seen) && seen > info.LastModified ? seen : info.LastModified;
        }

        int all = (1 << RegistryPaths.VersionFiles.Length) - 1;
        return new VersionScan(
            [.. files.Where(f => f.Value == all).Select(f => f.Key).Order()],
            [.. lastWritten.Keys.Where(n => files.GetValueOrDefault(n) != all).Order()],
            lastWritten.Count == 0 ? 0 : lastWritten.Keys.Max(),
            lastWritten);
    }

    private async Task<(AliasDocument Document, string? ETag)> ReadAliasDocumentAsync(string model, CancellationToken cancellationToken)
    {
        string path = RegistryPaths.Aliases(model);
        StoredObject? stored = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return (new AliasDocument(), null);
        }

        AliasDocument document = Deserialize(stored, path, RegistryJsonContext.Default.AliasDocument);
        if (document.Format > AliasDocument.CurrentFormat)
        {
            throw new InvalidDataException($"'{path}' has format {document.Format}; this version of FunctionsMl reads format {AliasDocument.CurrentFormat}.");
        }

        // Deserialized dictionaries use the default comparer; lookups here must be ordinal.
        document.Aliases = new Dictionary<string, string>(document.Aliases, StringComparer.Ordinal);
        document.Previous = new Dictionary<string, string?>(document.Previous, StringComparer.Ordinal);
        return (document, stored.ETag);
    }

    private Task<string> WriteAliasDocumentAsync(string model, AliasDocument document, string? eTag, CancellationToken cancellationToken) =>
        _store.WriteAsync(
            RegistryPaths.Aliases(model),
            Serialize(document.Normalize(), RegistryJsonContext.Default.AliasDocument),
            eTag is null ? WriteCondition.IfNoneMatch : WriteCondition.IfMatch(eTag),
            cancellationToken);

    private void RaiseAliasesChanged(ModelAliases aliases)
    {
        EventHandler<ModelAliasesChangedEventArgs>? handlers = AliasesChanged;
        if (handlers is null)
        {
            return;
        }

        var args = new ModelAliasesChangedEventArgs(aliases);
        foreach (EventHandler<ModelAliasesChangedEventArgs> handler in handlers.GetInvocationList().Cast<EventHandler<ModelAliasesChangedEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception e)
            {
                // The change is committed; a failing listener must not make it look failed.
                RegistryLog.AliasesChangedHandlerFailed(_logger, aliases.Model, e);
            }
        }
    }

    private static ModelAliases ToAliases(string model, AliasDocument document, string? eTag) =>
        new(model, new SortedDictionary<string, string>(document.Aliases, StringComparer.Ordinal), eTag);

    private static ModelVersionInfo ToInfo(VersionDocument document, JsonElement manifest) =>
        new(document.Model, document.Version, document.Sha256, document.Size, document.RegisteredAt, document.RegisteredBy, manifest);

    private static string Format(long number) => number.ToString(CultureInfo.InvariantCulture);

    private static byte[] SerializeManifest(JsonElement manifest)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            manifest.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);

    private static T Deserialize<T>(StoredObject stored, string path, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(stored.Content.Span, typeInfo)
                ?? throw new InvalidDataException($"'{path}' holds JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid registry document: {e.Message}", e);
        }
    }

    /// <summary>What the version folders hold: ids of complete and incomplete versions, the highest id of any.</summary>
    private sealed record VersionScan(IReadOnlyList<long> Complete, IReadOnlyList<long> Incomplete, long HighestId, IReadOnlyDictionary<long, DateTimeOffset> LastWritten);

    private sealed record Plan(List<string> Complete, List<string> Incomplete, List<string> Kept);
}
