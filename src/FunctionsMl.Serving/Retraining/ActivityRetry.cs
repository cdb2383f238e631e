namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// How an activity is retried after a transient failure (<see cref="TransientFailures"/>): up to
/// <see cref="MaxAttempts"/> attempts, waiting <see cref="FirstRetryInterval"/> after the first failure and
/// <see cref="BackoffCoefficient"/> times longer after each next one, at most <see cref="MaxRetryInterval"/>.
/// The fields are those of Durable Functions' <c>RetryPolicy(maxNumberOfAttempts, firstRetryInterval,
/// backoffCoefficient, maxRetryInterval)</c>, so an adapter maps one to the other field by field.
/// </summary>
public sealed record ActivityRetry(int MaxAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient, TimeSpan MaxRetryInterval)
{
    /// <summary>4 attempts, 2 s, 4 s, 8 s apart.</summary>
    public static ActivityRetry Default { get; } = new(4, TimeSpan.FromSeconds(2), 2.0, TimeSpan.FromSeconds(30));

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 or later).</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nextAttempt, 2);
        double ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        return ticks >= MaxRetryInterval.Ticks ? MaxRetryInterval : TimeSpan.FromTicks((long)ticks);
    }

    /// <exception cref="ArgumentOutOfRangeException">A field is out of range (the same rules as Durable's <c>RetryPolicy</c>).</exception>
    public void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "An activity needs at least one attempt.");
        }

        if (FirstRetryInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FirstRetryInterval), FirstRetryInterval, "The first retry interval must be positive.");
        }

        if (BackoffCoefficient < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BackoffCoefficient), BackoffCoefficient, "The backoff coefficient must be at least 1.");
        }

        if (MaxRetryInterval < FirstRetryInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetryInterval), MaxRetryInterval, "The maximum retry interval must be at least the first one.");
        }
    }
}
