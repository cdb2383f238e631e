namespace FunctionsMl.Serving.Storage;

/// <summary>
/// A conditional write or delete found the object in another state than its condition required
/// (HTTP 412). Nothing was written. Callers re-read and decide again.
/// </summary>
public sealed class PreconditionFailedException : Exception
{
    public PreconditionFailedException(string path, WriteCondition condition)
        : base($"The condition '{condition}' on '{path}' did not hold: the object was changed, created or deleted by someone else.")
    {
        Path = path;
        Condition = condition;
    }

    public PreconditionFailedException(string path, WriteCondition condition, Exception innerException)
        : base($"The condition '{condition}' on '{path}' did not hold: the object was changed, created or deleted by someone else.", innerException)
    {
        Path = path;
        Condition = condition;
    }

    /// <summary>The object path the condition was on.</summary>
    public string Path { get; }

    public WriteCondition Condition { get; }
}
