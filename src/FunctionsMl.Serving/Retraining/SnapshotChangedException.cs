namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// A training file changed or disappeared between the run's snapshot and its training: the run would no
/// longer train on the data it recorded, so it fails rather than train on something else. Not transient:
/// a new run takes a new snapshot.
/// </summary>
public sealed class SnapshotChangedException(string path, string snapshotETag, string? currentETag)
    : Exception(currentETag is null
        ? $"'{path}' was deleted after the run's data snapshot (which saw ETag {snapshotETag}); start a new run to train on the current data."
        : $"'{path}' changed after the run's data snapshot (ETag {snapshotETag}, now {currentETag}); start a new run to train on the current data.")
{
    public string Path { get; } = path;

    public string SnapshotETag { get; } = snapshotETag;

    /// <summary>The object's ETag now; null when it was deleted.</summary>
    public string? CurrentETag { get; } = currentETag;
}
