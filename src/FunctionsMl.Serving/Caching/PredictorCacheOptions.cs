namespace FunctionsMl.Serving.Caching;

/// <summary>Defaults of <see cref="PredictorCacheOptions"/>.</summary>
public static class PredictorCacheDefaults
{
    public const int MaxLoadedVersions = 16;
    public static readonly TimeSpan AliasRefreshInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan LoadRetryInitialDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LoadRetryMaxDelay = TimeSpan.FromMinutes(5);
}

/// <summary>Settings of <see cref="PredictorCache{TModel}"/>.</summary>
public sealed class PredictorCacheOptions
{
    /// <summary>
    /// How often a model's alias document is checked (one ETag read) for changes made by other processes.
    /// Changes made through the registry instance the cache is attached to are seen at once.
    /// </summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan AliasRefreshInterval { get; set; } = PredictorCacheDefaults.AliasRefreshInterval;

    /// <summary>
    /// Most model versions kept loaded; beyond it the least recently used version that no alias points to
    /// is dropped. Versions aliases point to always stay, even beyond the limit.
    /// </summary>
    /// <value>Default 16.</value>
    public int MaxLoadedVersions { get; set; } = PredictorCacheDefaults.MaxLoadedVersions;

    /// <summary>How long after a failed load the version is tried again; doubles with each failure.</summary>
    /// <value>Default 5 seconds.</value>
    public TimeSpan LoadRetryInitialDelay { get; set; } = PredictorCacheDefaults.LoadRetryInitialDelay;

    /// <summary>The longest wait between load attempts.</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan LoadRetryMaxDelay { get; set; } = PredictorCacheDefaults.LoadRetryMaxDelay;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(AliasRefreshInterval, TimeSpan.Zero, nameof(AliasRefreshInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLoadedVersions, 1, nameof(MaxLoadedVersions));
        ArgumentOutOfRangeException.ThrowIfLessThan(LoadRetryInitialDelay, TimeSpan.Zero, nameof(LoadRetryInitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(LoadRetryMaxDelay, LoadRetryInitialDelay, nameof(LoadRetryMaxDelay));
    }
}
