namespace FunctionsMl.Serving.Registry;

/// <summary>Defaults of <see cref="ModelRegistryOptions"/>.</summary>
public static class ModelRegistryDefaults
{
    public const int AuditHistoryLimit = 100;
    public const int AuditArchiveSegmentSize = 50;
    public const int MaxConflictRetries = 50;
    public static readonly TimeSpan IncompleteVersionGracePeriod = TimeSpan.FromHours(1);
}

/// <summary>Settings of <see cref="ModelRegistry"/>.</summary>
public sealed class ModelRegistryOptions
{
    /// <summary>
    /// Most audit entries kept inside the alias document (which is rewritten on every change); older ones
    /// move to archive segments of <see cref="AuditArchiveSegmentSize"/> entries.
    /// </summary>
    /// <value>Default 100.</value>
    public int AuditHistoryLimit { get; set; } = ModelRegistryDefaults.AuditHistoryLimit;

    /// <summary>Entries per archived audit segment (<c>models/&lt;name&gt;/audit/&lt;first&gt;-&lt;last&gt;.json</c>).</summary>
    /// <value>Default 50; at most <see cref="AuditHistoryLimit"/>.</value>
    public int AuditArchiveSegmentSize { get; set; } = ModelRegistryDefaults.AuditArchiveSegmentSize;

    /// <summary>
    /// How long a version left incomplete by an interrupted registration is left alone before retention
    /// removes it; it must exceed the longest a live registration takes between its writes.
    /// </summary>
    /// <value>Default 1 hour.</value>
    public TimeSpan IncompleteVersionGracePeriod { get; set; } = ModelRegistryDefaults.IncompleteVersionGracePeriod;

    /// <summary>How often an operation without an expected ETag re-reads and retries after losing a compare-and-swap race.</summary>
    /// <value>Default 50.</value>
    public int MaxConflictRetries { get; set; } = ModelRegistryDefaults.MaxConflictRetries;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(AuditArchiveSegmentSize, 1, nameof(AuditArchiveSegmentSize));
        if (AuditHistoryLimit < AuditArchiveSegmentSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(AuditHistoryLimit),
                AuditHistoryLimit,
                $"{nameof(ModelRegistryOptions)}.{nameof(AuditHistoryLimit)} must be at least {nameof(AuditArchiveSegmentSize)} ({AuditArchiveSegmentSize}).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(IncompleteVersionGracePeriod, TimeSpan.Zero, nameof(IncompleteVersionGracePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConflictRetries, 1, nameof(MaxConflictRetries));
    }
}
