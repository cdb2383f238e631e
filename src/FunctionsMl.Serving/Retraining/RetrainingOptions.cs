namespace FunctionsMl.Serving.Retraining;

/// <summary>Retraining settings, bound from the <c>FunctionsMl:Retraining</c> configuration section.</summary>
public sealed class RetrainingOptions
{
    public const string SectionName = "FunctionsMl:Retraining";

    /// <summary>Attempts per activity before the run fails; only transient failures are retried.</summary>
    /// <value>Default 4.</value>
    public int MaxAttempts { get; set; } = ActivityRetry.Default.MaxAttempts;

    /// <summary>Wait after an activity's first failure; each next wait is <see cref="BackoffCoefficient"/> times longer.</summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan FirstRetryInterval { get; set; } = ActivityRetry.Default.FirstRetryInterval;

    /// <value>Default 2.</value>
    public double BackoffCoefficient { get; set; } = ActivityRetry.Default.BackoffCoefficient;

    /// <value>Default 30 seconds.</value>
    public TimeSpan MaxRetryInterval { get; set; } = ActivityRetry.Default.MaxRetryInterval;

    /// <summary>
    /// How long a run's lock stays valid without renewal. The local runner renews it every quarter of this;
    /// a process that dies leaves a lock that expires after at most this long (at once, on the same machine).
    /// </summary>
    /// <value>Default 2 minutes.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Whether a run executes in the process that started it, as in the local host and the CLI: then a lock whose
    /// process is gone (same machine) is stale at once, without waiting out the lease. The Azure app sets it to
    /// <see langword="false"/>, because Durable Functions runs an orchestration on whichever instance it likes;
    /// there staleness is the lease (set it longer than the longest run) or the host's own check.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool RunsInStartingProcess { get; set; } = true;

    /// <summary>Finished runs kept per model; older records and their staged files are deleted.</summary>
    /// <value>Default 100.</value>
    public int RunsToKeep { get; set; } = 100;

    /// <summary>The activity retry policy these settings describe.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the exception names it.</exception>
    public ActivityRetry ToRetry()
    {
        var retry = new ActivityRetry(MaxAttempts, FirstRetryInterval, BackoffCoefficient, MaxRetryInterval);
        retry.Validate();
        return retry;
    }

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the exception names it.</exception>
    public void Validate()
    {
        _ = ToRetry();
        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, "The lease must last at least a second.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(RunsToKeep, 1, nameof(RunsToKeep));
    }
}
