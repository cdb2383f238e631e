namespace FunctionsMl.Local.Scoring;

/// <summary>The local host's stand-ins for the Azure blob and queue triggers, bound from <c>FunctionsMl:LocalTriggers</c>.</summary>
public sealed class LocalTriggerOptions
{
    public const string SectionName = "FunctionsMl:LocalTriggers";

    /// <summary>Whether files in the store's <c>incoming/</c> are scored.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool WatchIncoming { get; set; } = true;

    /// <summary>
    /// How often <c>incoming/</c> is listed. With the file-system store a file-system watcher also wakes the scan as
    /// soon as a file lands; the poll catches everything else (other stores, missed events, files from before start).
    /// </summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan IncomingPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Files scored at the same time. Each file already uses every core, so more rarely helps.</summary>
    /// <value>Default 1.</value>
    public int MaxConcurrentFiles { get; set; } = 1;

    /// <summary>Attempts at a file that keeps failing on store errors before the watcher leaves it until the next start (Azure's <c>poisonBlobThreshold</c>).</summary>
    /// <value>Default 5.</value>
    public int MaxFileAttempts { get; set; } = 5;

    /// <summary>
    /// A plain folder mirroring the scoring containers (see <c>DropFolder</c>): files copied to
    /// <c>&lt;folder&gt;/incoming/&lt;model&gt;/</c> are scored and their outcomes copied to <c>&lt;folder&gt;/scored/</c> and
    /// <c>&lt;folder&gt;/failed/</c>. Relative to the working directory; inactive while <c>&lt;folder&gt;/incoming</c>
    /// does not exist; empty turns it off.
    /// </summary>
    /// <value>Default <c>drop</c>.</value>
    public string? DropFolder { get; set; } = "drop";

    /// <summary>Whether the <c>scoring-requests</c> queue is consumed, with results published on <c>scoring-results</c>.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ProcessQueue { get; set; } = true;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (IncomingPollInterval < TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(IncomingPollInterval), IncomingPollInterval, $"{SectionName}:{nameof(IncomingPollInterval)} must be at least 10 ms.");
        }

        if (MaxConcurrentFiles is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentFiles), MaxConcurrentFiles, $"{SectionName}:{nameof(MaxConcurrentFiles)} must be between 1 and 64.");
        }

        if (MaxFileAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFileAttempts), MaxFileAttempts, $"{SectionName}:{nameof(MaxFileAttempts)} must be at least 1.");
        }
    }
}
