using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Traffic;

/// <summary>
/// Reads and changes traffic policies in <c>models/&lt;name&gt;/traffic.json</c>. Every change is one
/// compare-and-swap on the document's ETag that also appends its audit entry, so concurrent changes from any
/// number of processes are serialised and none is lost or half-recorded.
/// </summary>
public sealed class TrafficStore
{
    private readonly ModelRegistry _registry;
    private readonly IObjectStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly TrafficOptions _options;
    private readonly ILogger _logger;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public TrafficStore(ModelRegistry registry, TimeProvider timeProvider, TrafficOptions? options = null, ILogger<TrafficStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _registry = registry;
        _store = registry.Store;
        _timeProvider = timeProvider;
        _options = options ?? new TrafficOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Raised after this instance changed a policy, so a policy cache in the same process applies it at once.
    /// Handlers run synchronously; their exceptions are logged, not thrown.
    /// </summary>
    public event EventHandler<TrafficChangedEventArgs>? Changed;

    /// <summary>The model's policy (null policy when none) and the ETag to pass back as <c>expectedETag</c>.</summary>
    /// <exception cref="ArgumentException">The model name is invalid.</exception>
    public async Task<TrafficState> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        var (document, eTag) = await ReadAsync(model, cancellationToken).ConfigureAwait(false);
        return ToState(model, document, eTag);
    }

    /// <summary>The current ETag of the policy document without reading it; null when there is none.</summary>
    public Task<string?> GetETagAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        return _store.GetETagAsync(TrafficPaths.Policy(model), cancellationToken);
    }

    /// <summary>
    /// Sets (or, with a null <paramref name="policy"/>, removes) the model's policy and records the change,
    /// in one atomic write. Setting the policy already in force writes nothing, whatever the ETag.
    /// </summary>
    /// <param name="expectedETag">
    /// The <see cref="TrafficState.ETag"/> the caller decided on: the change is made only if the document is
    /// still in that state. Null: apply to the current state, retrying if another change lands first.
    /// </param>
    /// <exception cref="TrafficPolicyException">The policy breaks a rule, or names an alias or version that does not exist.</exception>
    /// <exception cref="PreconditionFailedException">The policy changed since <paramref name="expectedETag"/>.</exception>
    /// <exception cref="ModelNotFoundException">Removing the policy of a model that has none and no versions.</exception>
    public async Task<TrafficState> SetAsync(string model, TrafficPolicy? policy, TrafficChange change, string? expectedETag = null, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentException.ThrowIfNullOrWhiteSpace(change.By, nameof(change));
        ArgumentNullException.ThrowIfNull(change.Reason, nameof(change));
        policy = policy is null ? null : Normalize(policy);
        if (policy is not null)
        {
            TrafficPolicyRules.Validate(policy);
        }

        for (var attempt = 1; ; attempt++)
        {
            var (document, eTag) = await ReadAsync(model, cancellationToken).ConfigureAwait(false);
            if (policy is null ? document.Policy is null : policy.SameAs(document.Policy))
            {
                if (eTag is null && (await _registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false)).Count == 0)
                {
                    throw new ModelNotFoundException(model);
                }

                return ToState(model, document, eTag);
            }

            if (expectedETag is not null && !SameETag(expectedETag, eTag))
            {
                throw new PreconditionFailedException(TrafficPaths.Policy(model), WriteCondition.IfMatch(expectedETag));
            }

            if (policy is not null)
            {
                await CheckTargetsExistAsync(model, policy, cancellationToken).ConfigureAwait(false);
            }

            var now = _timeProvider.GetUtcNow();
            var from = document.Policy;
            document.History.Add(new TrafficAuditEntry(document.NextSequence++, now, change.By, change.Reason, from, policy));
            document.Policy = policy;
            document.Revision++;
            document.ChangedAt = now;
            document.ChangedBy = change.By;
            document.Reason = change.Reason;
            await ArchiveOldEntriesAsync(model, document, cancellationToken).ConfigureAwait(false);

            string newETag;
            try
            {
                newETag = await _store.WriteAsync(
                    TrafficPaths.Policy(model),
                    JsonSerializer.SerializeToUtf8Bytes(document, TrafficJsonContext.Default.TrafficDocument),
                    eTag is null ? WriteCondition.IfNoneMatch : WriteCondition.IfMatch(eTag),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException) when (expectedETag is null && attempt < _options.MaxConflictRetries)
            {
                continue;
            }

            TrafficLog.PolicyChanged(_logger, model, from?.ToString() ?? "production only", policy?.ToString() ?? "production only", change.By, change.Reason);
            var state = ToState(model, document, newETag);
            RaiseChanged(state);
            return state;
        }
    }

    /// <summary>Every recorded change of the model's policy, oldest first, archived ones included.</summary>
    public async Task<IReadOnlyList<TrafficAuditEntry>> GetAuditAsync(string model, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model);

        // The document first: entries archived after this read are still in this copy, and entries archived
        // before it were written to their segment before the document dropped them.
        var (document, _) = await ReadAsync(model, cancellationToken).ConfigureAwait(false);
        var entries = new Dictionary<long, TrafficAuditEntry>();
        await foreach (var info in _store.ListAsync(TrafficPaths.AuditFolder(model), cancellationToken).ConfigureAwait(false))
        {
            if (await _store.ReadAsync(info.Path, cancellationToken).ConfigureAwait(false) is { } stored)
            {
                foreach (var entry in Deserialize(stored, info.Path, TrafficJsonContext.Default.TrafficAuditSegment).Entries)
                {
                    entries.TryAdd(entry.Sequence, entry);
                }
            }
        }

        foreach (var entry in document.History)
        {
            entries[entry.Sequence] = entry;
        }

        return [.. entries.Values.OrderBy(e => e.Sequence)];
    }

    /// <summary>Reads the document; for the policy cache, which compiles what it reads.</summary>
    internal async Task<TrafficState> ReadStateAsync(string model, CancellationToken cancellationToken)
    {
        var (document, eTag) = await ReadAsync(model, cancellationToken).ConfigureAwait(false);
        return ToState(model, document, eTag);
    }

    private async Task CheckTargetsExistAsync(string model, TrafficPolicy policy, CancellationToken cancellationToken)
    {
        var aliases = await _registry.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var splitVersions = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task<string?> ResolveAsync(string field, string target)
        {
            if (RegistryNames.TryParseVersion(target, out _))
            {
                if (await _registry.GetVersionAsync(model, target, cancellationToken).ConfigureAwait(false) is null)
                {
                    errors[field] = [$"Model '{model}' has no registered version '{target}'."];
                    return null;
                }

                return target;
            }

            if (aliases.VersionOf(target) is { } version)
            {
                return version;
            }

            var known = aliases.Aliases.Count == 0 ? "it has no aliases" : $"its aliases are {string.Join(", ", aliases.Aliases.Keys)}";
            errors[field] = [$"Model '{model}' has no alias '{target}'; {known}."];
            return null;
        }

        for (var i = 0; i < policy.Split.Count; i++)
        {
            if (await ResolveAsync($"split[{i}].target", policy.Split[i].Target).ConfigureAwait(false) is { } version)
            {
                splitVersions.TryAdd(version, policy.Split[i].Target);
            }
        }

        for (var i = 0; i < policy.Shadows.Count; i++)
        {
            var field = $"shadows[{i}].target";
            if (await ResolveAsync(field, policy.Shadows[i].Target).ConfigureAwait(false) is { } version && splitVersions.TryGetValue(version, out var servedBy))
            {
                errors[field] = [$"'{policy.Shadows[i].Target}' is version {version}, which the split already serves through '{servedBy}'; a shadow must be another version."];
            }
        }

        if (errors.Count > 0)
        {
            throw new TrafficPolicyException($"The traffic policy names targets that do not exist or overlap: {string.Join(" ", errors.SelectMany(e => e.Value))}", errors);
        }
    }

    private async Task ArchiveOldEntriesAsync(string model, TrafficDocument document, CancellationToken cancellationToken)
    {
        // Segments cover fixed sequence ranges and entries never change once committed, so a segment written
        // by an attempt whose compare-and-swap then failed holds what any later attempt would write.
        var size = _options.AuditArchiveSegmentSize;
        while (document.NextSequence - 1 - document.ArchivedThrough > _options.AuditHistoryLimit)
        {
            var first = document.ArchivedThrough + 1;
            var last = document.ArchivedThrough + size;
            var segment = new TrafficAuditSegment { Entries = [.. document.History.Where(e => e.Sequence >= first && e.Sequence <= last)] };
            try
            {
                await _store.WriteAsync(
                    TrafficPaths.AuditSegment(model, first, last),
                    JsonSerializer.SerializeToUtf8Bytes(segment, TrafficJsonContext.Default.TrafficAuditSegment),
                    WriteCondition.IfNoneMatch,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException)
            {
                // Archived by an earlier attempt.
            }

            document.History.RemoveAll(e => e.Sequence <= last);
            document.ArchivedThrough = last;
        }
    }

    private async Task<(TrafficDocument Document, string? ETag)> ReadAsync(string model, CancellationToken cancellationToken)
    {
        var path = TrafficPaths.Policy(model);
        var stored = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return (new TrafficDocument(), null);
        }

        var document = Deserialize(stored, path, TrafficJsonContext.Default.TrafficDocument);
        if (document.Format > TrafficDocument.CurrentFormat)
        {
            throw new InvalidDataException($"'{path}' has format {document.Format}; this version of FunctionsMl reads format {TrafficDocument.CurrentFormat}.");
        }

        if (document.Policy is { } policy)
        {
            document.Policy = Normalize(policy);
        }

        return (document, stored.ETag);
    }

    private void RaiseChanged(TrafficState state)
    {
        if (Changed is not { } handlers)
        {
            return;
        }

        var args = new TrafficChangedEventArgs(state);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<TrafficChangedEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception e)
            {
                // The change is committed; a failing listener must not make it look failed.
                TrafficLog.ChangedHandlerFailed(_logger, state.Model, e);
            }
        }
    }

    /// <summary>ETags compared with or without their quotes, as HTTP clients send them either way.</summary>
    private static bool SameETag(string expected, string? actual) =>
        actual is not null && expected.Trim().Trim('"').AsSpan().SequenceEqual(actual.Trim('"'));

    /// <summary>Absent lists become empty ones, so a policy read from JSON compares and routes like one built in code.</summary>
    private static TrafficPolicy Normalize(TrafficPolicy policy) =>
        policy with { Split = policy.Split ?? [], Shadows = policy.Shadows ?? [] };

    private static TrafficState ToState(string model, TrafficDocument document, string? eTag) =>
        new(model, document.Policy, eTag, document.Revision, document.ChangedAt, document.ChangedBy, document.Reason);

    private static T Deserialize<T>(StoredObject stored, string path, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(stored.Content.Span, typeInfo) ?? throw new InvalidDataException($"'{path}' holds JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid traffic document: {e.Message}", e);
        }
    }
}

/// <summary>Raised by <see cref="TrafficStore"/> after it changed a model's policy.</summary>
public sealed class TrafficChangedEventArgs(TrafficState state) : EventArgs
{
    public TrafficState State { get; } = state;
}
