namespace FunctionsMl.Serving.Queues;

/// <summary>Defaults of <see cref="QueueProcessorOptions"/>, chosen to match host.json's <c>extensions.queues</c>.</summary>
public static class QueueProcessorDefaults
{
    /// <summary>Azure's <c>maxDequeueCount</c> default.</summary>
    public const int MaxDequeueCount = 5;

    /// <summary>Azure's <c>batchSize</c> default.</summary>
    public const int BatchSize = 16;

    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>host.json's <c>maxPollingInterval</c>.</summary>
    public static readonly TimeSpan MaxPollingInterval = TimeSpan.FromSeconds(2);
}

/// <summary>How a <see cref="QueueProcessor"/> delivers and retries, bound from <c>FunctionsMl:Queues</c>.</summary>
public sealed class QueueProcessorOptions
{
    public const string SectionName = "FunctionsMl:Queues";

    /// <summary>Deliveries a message gets; when the last one fails it moves to the poison queue with its error.</summary>
    /// <value>Default 5, as Azure's <c>maxDequeueCount</c>.</value>
    public int MaxDequeueCount { get; set; } = QueueProcessorDefaults.MaxDequeueCount;

    /// <summary>Messages received and handled together.</summary>
    /// <value>Default 16, as Azure's <c>batchSize</c>.</value>
    public int BatchSize { get; set; } = QueueProcessorDefaults.BatchSize;

    /// <summary>Messages of a batch handled at the same time; 0 means one per processor.</summary>
    /// <value>Default 0.</value>
    public int MaxConcurrency { get; set; }

    /// <summary>How long a received message stays hidden from other receivers while it is handled; a receiver that dies releases it this long after.</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan VisibilityTimeout { get; set; } = QueueProcessorDefaults.VisibilityTimeout;

    /// <summary>Wait before a failed message is delivered again; doubled on each further failure up to <see cref="MaxRetryDelay"/>.</summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = QueueProcessorDefaults.RetryDelay;

    /// <value>Default 1 minute.</value>
    public TimeSpan MaxRetryDelay { get; set; } = QueueProcessorDefaults.MaxRetryDelay;

    /// <summary>Polling interval right after a message was found; it doubles while the queue stays empty, up to <see cref="MaxPollingInterval"/>.</summary>
    /// <value>Default 100 ms.</value>
    public TimeSpan MinPollingInterval { get; set; } = QueueProcessorDefaults.MinPollingInterval;

    /// <value>Default 2 seconds, as host.json's <c>maxPollingInterval</c>.</value>
    public TimeSpan MaxPollingInterval { get; set; } = QueueProcessorDefaults.MaxPollingInterval;

    internal int EffectiveConcurrency => MaxConcurrency > 0 ? MaxConcurrency : Environment.ProcessorCount;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        Check(MaxDequeueCount is >= 1 and <= 1000, nameof(MaxDequeueCount), MaxDequeueCount, "between 1 and 1000");
        Check(BatchSize is >= 1 and <= 1000, nameof(BatchSize), BatchSize, "between 1 and 1000");
        Check(MaxConcurrency is >= 0 and <= 1000, nameof(MaxConcurrency), MaxConcurrency, "between 0 (one per processor) and 1000");
        Check(VisibilityTimeout > TimeSpan.Zero, nameof(VisibilityTimeout), VisibilityTimeout, "positive");
        Check(RetryDelay >= TimeSpan.Zero, nameof(RetryDelay), RetryDelay, "zero or more");
        Check(MaxRetryDelay >= RetryDelay, nameof(MaxRetryDelay), MaxRetryDelay, $"at least {nameof(RetryDelay)}");
        Check(MinPollingInterval > TimeSpan.Zero, nameof(MinPollingInterval), MinPollingInterval, "positive");
        Check(MaxPollingInterval >= MinPollingInterval, nameof(MaxPollingInterval), MaxPollingInterval, $"at least {nameof(MinPollingInterval)}");
    }

    private static void Check(bool condition, string name, object value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{SectionName}:{name} must be {rule}.");
        }
    }
}
