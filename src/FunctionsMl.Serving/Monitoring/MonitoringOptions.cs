namespace FunctionsMl.Serving.Monitoring;

/// <summary>Defaults of <see cref="MonitoringOptions"/>.</summary>
public static class MonitoringDefaults
{
    public const int WindowBuckets = 15;
    public const double DriftThreshold = 0.2;
    public const int DriftMinRows = 100;
    public const double DriftSampleRate = 1.0;
    public const int DriftMaxRowsPerBucket = 1_000;
    public const int PredictionLogMaxPerSecond = 1_000;
    public const double PredictionLogSampleRate = 1.0;
    public const int PredictionLogCapacity = 10_000;
    public const int PredictionLogMaxBodyBytes = 64 * 1024;
    public const long PredictionLogMemoryBytes = 64L * 1024 * 1024;
    public const int PredictionLogMaxPending = 20_000;
    public const int MaxLinesPerChunk = 5_000;
    public const int FeedbackLookupMaxChunks = 200;
    public const int FeedbackMaxItems = 1_000;
    public static readonly TimeSpan BucketDuration = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan FeedbackLookback = TimeSpan.FromDays(2);
}

/// <summary>Settings of serving statistics, drift, prediction logging and feedback, bound from <c>FunctionsMl:Monitoring</c>.</summary>
public sealed class MonitoringOptions
{
    /// <summary>Whether predictions are counted, timed, logged and checked for drift. Off, the stats are empty and feedback finds nothing.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Width of one bucket of the statistics window.</summary>
    /// <value>Default 1 minute.</value>
    public TimeSpan BucketDuration { get; set; } = MonitoringDefaults.BucketDuration;

    /// <summary>Buckets in the window: the stats cover the last <c>BucketDuration × WindowBuckets</c>.</summary>
    /// <value>Default 15 (a quarter of an hour).</value>
    public int WindowBuckets { get; set; } = MonitoringDefaults.WindowBuckets;

    /// <summary>Population stability index at or above which a feature counts as drifted.</summary>
    /// <value>Default 0.2, the usual line for a significant shift (0.1–0.2 is moderate).</value>
    public double DriftThreshold { get; set; } = MonitoringDefaults.DriftThreshold;

    /// <summary>Rows the window must hold before drift is flagged; below it PSI is reported but not judged.</summary>
    /// <value>Default 100.</value>
    public int DriftMinRows { get; set; } = MonitoringDefaults.DriftMinRows;

    /// <summary>Share of rows whose inputs are binned for drift (every ⌈1/rate⌉-th row).</summary>
    /// <value>Default 1 (every row); lower it when rows are wide and traffic is heavy.</value>
    public double DriftSampleRate { get; set; } = MonitoringDefaults.DriftSampleRate;

    /// <summary>
    /// Most rows binned for drift per bucket and version; beyond it rows are not binned until the next bucket, so
    /// heavy traffic pays nothing for drift once the window has rows enough for a precise PSI.
    /// </summary>
    /// <value>Default 1,000 (15,000 over the default window).</value>
    public int DriftMaxRowsPerBucket { get; set; } = MonitoringDefaults.DriftMaxRowsPerBucket;

    /// <summary>
    /// Most predictions logged per second by this instance; beyond it predictions are not logged (and counted), so the
    /// log's cost stays flat however heavy the traffic. Memory keeps <see cref="PredictionLogCapacity"/> of them, the
    /// store all of them.
    /// </summary>
    /// <value>Default 1,000.</value>
    public int PredictionLogMaxPerSecond { get; set; } = MonitoringDefaults.PredictionLogMaxPerSecond;

    /// <summary>Share of predictions logged for feedback, chosen by a hash of the request id (so every instance agrees).</summary>
    /// <value>Default 1 (all, within the bounds below); 0 logs none.</value>
    public double PredictionLogSampleRate { get; set; } = MonitoringDefaults.PredictionLogSampleRate;

    /// <summary>Logged predictions kept in memory for joining feedback; the oldest go first.</summary>
    /// <value>Default 10,000.</value>
    public int PredictionLogCapacity { get; set; } = MonitoringDefaults.PredictionLogCapacity;

    /// <summary>Largest request body logged; larger requests are not logged (and get no feedback).</summary>
    /// <value>Default 64 KiB.</value>
    public int PredictionLogMaxBodyBytes { get; set; } = MonitoringDefaults.PredictionLogMaxBodyBytes;

    /// <summary>Most bytes of request bodies kept in memory for joining feedback; the oldest go first.</summary>
    /// <value>Default 64 MiB.</value>
    public long PredictionLogMemoryBytes { get; set; } = MonitoringDefaults.PredictionLogMemoryBytes;

    /// <summary>Log lines waiting to be written to the store; beyond it new lines are dropped and counted.</summary>
    /// <value>Default 20,000.</value>
    public int PredictionLogMaxPending { get; set; } = MonitoringDefaults.PredictionLogMaxPending;

    /// <summary>Most lines in one log, feedback or training file written by a flush.</summary>
    /// <value>Default 5,000.</value>
    public int MaxLinesPerChunk { get; set; } = MonitoringDefaults.MaxLinesPerChunk;

    /// <summary>How often logged predictions and feedback are written to the store.</summary>
    /// <value>Default 5 seconds.</value>
    public TimeSpan FlushInterval { get; set; } = MonitoringDefaults.FlushInterval;

    /// <summary>How far back feedback looks in the stored prediction log for a request id no longer in memory.</summary>
    /// <value>Default 2 days.</value>
    public TimeSpan FeedbackLookback { get; set; } = MonitoringDefaults.FeedbackLookback;

    /// <summary>Most stored log files read to find one request id.</summary>
    /// <value>Default 200.</value>
    public int FeedbackLookupMaxChunks { get; set; } = MonitoringDefaults.FeedbackLookupMaxChunks;

    /// <summary>Most items in one feedback request.</summary>
    /// <value>Default 1,000.</value>
    public int FeedbackMaxItems { get; set; } = MonitoringDefaults.FeedbackMaxItems;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public void Validate()
    {
        const string Prefix = nameof(MonitoringOptions) + ".";
        ArgumentOutOfRangeException.ThrowIfLessThan(BucketDuration, TimeSpan.FromSeconds(1), Prefix + nameof(BucketDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowBuckets, 1, Prefix + nameof(WindowBuckets));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(WindowBuckets, 1440, Prefix + nameof(WindowBuckets));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DriftThreshold, 0, Prefix + nameof(DriftThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(DriftMinRows, 1, Prefix + nameof(DriftMinRows));
        CheckRate(DriftSampleRate, Prefix + nameof(DriftSampleRate));
        CheckRate(PredictionLogSampleRate, Prefix + nameof(PredictionLogSampleRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(DriftMaxRowsPerBucket, 1, Prefix + nameof(DriftMaxRowsPerBucket));
        ArgumentOutOfRangeException.ThrowIfLessThan(PredictionLogMaxPerSecond, 1, Prefix + nameof(PredictionLogMaxPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(PredictionLogCapacity, 1, Prefix + nameof(PredictionLogCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(PredictionLogMaxBodyBytes, 1, Prefix + nameof(PredictionLogMaxBodyBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(PredictionLogMemoryBytes, PredictionLogMaxBodyBytes, Prefix + nameof(PredictionLogMemoryBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(PredictionLogMaxPending, 1, Prefix + nameof(PredictionLogMaxPending));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLinesPerChunk, 1, Prefix + nameof(MaxLinesPerChunk));
        ArgumentOutOfRangeException.ThrowIfLessThan(FlushInterval, TimeSpan.FromMilliseconds(10), Prefix + nameof(FlushInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(FeedbackLookback, TimeSpan.Zero, Prefix + nameof(FeedbackLookback));
        ArgumentOutOfRangeException.ThrowIfLessThan(FeedbackLookupMaxChunks, 0, Prefix + nameof(FeedbackLookupMaxChunks));
        ArgumentOutOfRangeException.ThrowIfLessThan(FeedbackMaxItems, 1, Prefix + nameof(FeedbackMaxItems));
    }

    private static void CheckRate(double rate, string name)
    {
        if (double.IsNaN(rate) || rate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(name, rate, "A share between 0 and 1.");
        }
    }
}
