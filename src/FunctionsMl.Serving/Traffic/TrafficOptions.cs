namespace FunctionsMl.Serving.Traffic;

/// <summary>Defaults of <see cref="TrafficOptions"/>.</summary>
public static class TrafficDefaults
{
    public const string RoutingKeyHeader = "x-routing-key";
    public const int MaxSplitRoutes = 10;
    public const int MaxShadows = 5;
    public const int MaxRoutingFieldLength = 128;
    public const int ShadowQueueCapacity = 1000;
    public const int ShadowWorkers = 1;
    public const double ShadowLogSampleRate = 0.01;
    public const int AuditHistoryLimit = 100;
    public const int AuditArchiveSegmentSize = 50;
    public const int MaxConflictRetries = 20;
    public static readonly TimeSpan PolicyRefreshInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ShadowTimeout = TimeSpan.FromSeconds(30);
}

/// <summary>Settings of traffic policies and shadow scoring, bound from <c>FunctionsMl:Traffic</c>.</summary>
public sealed class TrafficOptions
{
    /// <summary>
    /// How often a cached policy is checked (one ETag read) for changes made by other processes. Changes
    /// made through this process apply at once.
    /// </summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan PolicyRefreshInterval { get; set; } = TrafficDefaults.PolicyRefreshInterval;

    /// <summary>Shadow copies waiting to be scored; when full, new copies are dropped and counted, never waited for.</summary>
    /// <value>Default 1,000.</value>
    public int ShadowQueueCapacity { get; set; } = TrafficDefaults.ShadowQueueCapacity;

    /// <summary>Background workers scoring shadow copies.</summary>
    /// <value>Default 1, so shadows take at most one core from the requests.</value>
    public int ShadowWorkers { get; set; } = TrafficDefaults.ShadowWorkers;

    /// <summary>Share of shadow answers written to the log (with the primary's answer beside it).</summary>
    /// <value>Default 0.01; 0 logs none, 1 logs all.</value>
    public double ShadowLogSampleRate { get; set; } = TrafficDefaults.ShadowLogSampleRate;

    /// <summary>Longest a shadow copy may wait for its version to load before it is counted as an error.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan ShadowTimeout { get; set; } = TrafficDefaults.ShadowTimeout;

    /// <summary>Audit entries kept inside <c>traffic.json</c>; older ones move to archive segments.</summary>
    /// <value>Default 100.</value>
    public int AuditHistoryLimit { get; set; } = TrafficDefaults.AuditHistoryLimit;

    /// <summary>Entries per archived audit segment.</summary>
    /// <value>Default 50; at most <see cref="AuditHistoryLimit"/>.</value>
    public int AuditArchiveSegmentSize { get; set; } = TrafficDefaults.AuditArchiveSegmentSize;

    /// <summary>How often a change without an expected ETag re-reads and retries after losing a compare-and-swap race.</summary>
    /// <value>Default 20.</value>
    public int MaxConflictRetries { get; set; } = TrafficDefaults.MaxConflictRetries;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PolicyRefreshInterval, TimeSpan.Zero, $"{nameof(TrafficOptions)}.{nameof(PolicyRefreshInterval)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(ShadowQueueCapacity, 1, $"{nameof(TrafficOptions)}.{nameof(ShadowQueueCapacity)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(ShadowWorkers, 1, $"{nameof(TrafficOptions)}.{nameof(ShadowWorkers)}");
        if (ShadowLogSampleRate is < 0 or > 1 || double.IsNaN(ShadowLogSampleRate))
        {
            throw new ArgumentOutOfRangeException($"{nameof(TrafficOptions)}.{nameof(ShadowLogSampleRate)}", ShadowLogSampleRate, "A share between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ShadowTimeout, TimeSpan.Zero, $"{nameof(TrafficOptions)}.{nameof(ShadowTimeout)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(AuditArchiveSegmentSize, 1, $"{nameof(TrafficOptions)}.{nameof(AuditArchiveSegmentSize)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(AuditHistoryLimit, AuditArchiveSegmentSize, $"{nameof(TrafficOptions)}.{nameof(AuditHistoryLimit)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConflictRetries, 1, $"{nameof(TrafficOptions)}.{nameof(MaxConflictRetries)}");
    }
}
