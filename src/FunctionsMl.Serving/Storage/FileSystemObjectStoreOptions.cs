using System.ComponentModel.DataAnnotations;

namespace FunctionsMl.Serving.Storage;

/// <summary>Defaults of <see cref="FileSystemObjectStoreOptions"/>.</summary>
public static class FileSystemObjectStoreDefaults
{
    /// <summary>Relative to the working directory, as the local host expects it.</summary>
    public const string RootDirectory = ".functionsml";

    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan AbandonedTemporaryFileAge = TimeSpan.FromHours(1);
}

/// <summary>Settings of the embedded file-system store.</summary>
public sealed class FileSystemObjectStoreOptions
{
    /// <summary>The folder holding the store; created when missing.</summary>
    /// <value>Default <c>.functionsml</c> under the working directory.</value>
    [Required]
    public string RootDirectory { get; set; } = FileSystemObjectStoreDefaults.RootDirectory;

    /// <summary>How long a write waits for another writer's commit to the same lock stripe before failing.</summary>
    /// <value>Default 30 seconds. A commit holds the lock for about a millisecond.</value>
    public TimeSpan LockTimeout { get; set; } = FileSystemObjectStoreDefaults.LockTimeout;

    /// <summary>Whether each write is flushed to the disk before it becomes visible, so a power loss cannot expose a renamed but empty file.</summary>
    /// <value>Default <see langword="true"/>. Tests may turn it off for speed.</value>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>
    /// How old a temporary file left by an interrupted write must be before it is removed. Only files no
    /// writer holds open are removed, so this only has to exceed the time between a writer closing its
    /// temporary file and renaming it (waiting for the lock).
    /// </summary>
    /// <value>Default 1 hour.</value>
    public TimeSpan AbandonedTemporaryFileAge { get; set; } = FileSystemObjectStoreDefaults.AbandonedTemporaryFileAge;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(RootDirectory))
        {
            throw new ArgumentException($"{nameof(FileSystemObjectStoreOptions)}.{nameof(RootDirectory)} must name a folder.", nameof(RootDirectory));
        }

        if (LockTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(LockTimeout), LockTimeout, $"{nameof(FileSystemObjectStoreOptions)}.{nameof(LockTimeout)} must be positive.");
        }

        if (AbandonedTemporaryFileAge <= LockTimeout)
        {
            throw new ArgumentOutOfRangeException(
                nameof(AbandonedTemporaryFileAge),
                AbandonedTemporaryFileAge,
                $"{nameof(FileSystemObjectStoreOptions)}.{nameof(AbandonedTemporaryFileAge)} must exceed {nameof(LockTimeout)} ({LockTimeout}), or a write waiting for the lock could lose its temporary file.");
        }
    }
}
