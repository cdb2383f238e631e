namespace FunctionsMl.Serving.Caching;

/// <summary>
/// A model version could not be loaded: its file failed the integrity check or the loader rejected it.
/// The cache does not try it again before <see cref="RetryAfter"/>.
/// </summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string model, string version, string message, DateTimeOffset retryAfter, Exception? innerException = null)
        : base(message, innerException)
    {
        Model = model;
        Version = version;
        RetryAfter = retryAfter;
    }

    public string Model { get; }

    public string Version { get; }

    /// <summary>When the cache will next try to load the version.</summary>
    public DateTimeOffset RetryAfter { get; }
}
