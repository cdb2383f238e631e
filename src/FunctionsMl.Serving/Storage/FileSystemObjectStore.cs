using System.Runtime.CompilerServices;
using FunctionsMl.Serving.Storage.FileSystem;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace FunctionsMl.Serving.Storage;

/// <summary>
/// The embedded <see cref="IObjectStore"/>: one file per object under a root folder, giving the same
/// guarantees as blob storage to threads and processes sharing that folder.
/// </summary>
/// <remarks>
/// <para>
/// Object <c>models/iris/aliases.json</c> is the file <c>root/models/iris/aliases.json</c>, holding a
/// 64-byte header with its ETag and then the content (see <c>ObjectFileFormat</c>); the folder is the
/// store's own format, to be read through the store, not edited by hand.
/// </para>
/// <para>
/// A write copies the content to a temporary file in the target's folder (named <c>.name.random.tmp</c>:
/// a leading dot, which no valid object path has, so listing and reading never see it), flushes it,
/// then, holding the path's cross-process lock (<c>StoreLocks</c>), checks the condition against the
/// current file's ETag and renames the temporary file over the target. The rename is atomic, so readers
/// see the old version or the new, never a part; the lock makes check-and-rename one step for every
/// writer of the store, so of several writers holding the same ETag exactly one wins. Unconditional writes
/// take the lock too, or one could land between another's check and rename and be lost.
/// </para>
/// <para>
/// A write interrupted before its rename leaves only a temporary file: invisible, and removed by
/// <see cref="RemoveAbandonedTemporaryFilesAsync"/> (also run on the folders a listing walks) once no
/// writer holds it open and it is older than <see cref="FileSystemObjectStoreOptions.AbandonedTemporaryFileAge"/>.
/// A writer that dies while holding the lock releases it with its process.
/// </para>
/// </remarks>
public sealed class FileSystemObjectStore : IObjectStore
{
    private const string TemporarySuffix = ".tmp";
    private const FileShare ReaderShare = FileShare.ReadWrite | FileShare.Delete;

    private readonly FileSystemObjectStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StoreLocks _locks;

    /// <summary>A store rooted at <paramref name="rootDirectory"/> with default settings.</summary>
    public FileSystemObjectStore(string rootDirectory)
        : this(new FileSystemObjectStoreOptions { RootDirectory = rootDirectory })
    {
    }

    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="NotSupportedException">File locking is not effective under the root folder.</exception>
    public FileSystemObjectStore(FileSystemObjectStoreOptions options, TimeProvider? timeProvider = null, ILogger<FileSystemObjectStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        RootDirectory = Path.GetFullPath(options.RootDirectory);
        Directory.CreateDirectory(RootDirectory);
        _locks = new StoreLocks(RootDirectory, options.LockTimeout);
        _locks.VerifyLockingWorks();
    }

    /// <summary>The absolute path of the store's root folder.</summary>
    public string RootDirectory { get; }

    public async Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        using SafeFileHandle? handle = TryOpenForReading(FullPathOf(path));
        if (handle is null)
        {
            return null;
        }

        ObjectHeader header = await ReadHeaderAsync(handle, path, cancellationToken).ConfigureAwait(false);
        byte[] content = new byte[header.ContentLength];
        int total = 0;
        while (total < content.Length)
        {
            int read = await RandomAccess.ReadAsync(handle, content.AsMemory(total), ObjectFileFormat.HeaderLength + total, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidDataException($"Stored object '{path}' ended after {total} of {content.Length} content bytes.");
            }

            total += read;
        }

        return new StoredObject(content, header.ETag, header.LastModified);
    }

    public async Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        SafeFileHandle? handle = TryOpenForReading(FullPathOf(path));
        if (handle is null)
        {
            return null;
        }

        try
        {
            ObjectHeader header = await ReadHeaderAsync(handle, path, cancellationToken).ConfigureAwait(false);
            return new ContentReadStream(handle, header.ContentLength);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(
            path,
            async (stream, ct) =>
            {
                await stream.WriteAsync(content, ct).ConfigureAwait(false);
                return content.Length;
            },
            condition,
            cancellationToken);

    public Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteCoreAsync(
            path,
            async (stream, ct) =>
            {
                long start = stream.Position;
                await content.CopyToAsync(stream, ct).ConfigureAwait(false);
                return stream.Position - start;
            },
            condition,
            cancellationToken);
    }

    public async IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectPath.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        string folder = FullPathOf(prefix[..prefix.LastIndexOf('/')]);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        var paths = new List<string>();
        foreach (string file in EnumerateAllFiles(folder))
        {
            string relative = Path.GetRelativePath(RootDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
            if (ObjectPath.IsValid(relative))
            {
                if (relative.StartsWith(prefix, StringComparison.Ordinal))
                {
                    paths.Add(relative);
                }
            }
            else if (IsTemporaryFile(file))
            {
                TryRemoveAbandonedTemporaryFile(file);
            }
        }

        paths.Sort(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using SafeFileHandle? handle = TryOpenForReading(FullPathOf(path));
            if (handle is null)
            {
                continue; // Deleted since the folder was walked.
            }

            ObjectHeader header;
            try
            {
                header = await ReadHeaderAsync(handle, path, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                // A file put there by hand or damaged: unreadable, so not listed, but no reason to hide the rest.
                StorageLog.SkippedUnreadableFile(_logger, path, e);
                continue;
            }

            yield return new StoredObjectInfo(path, header.ETag, header.ContentLength, header.LastModified);
        }
    }

    public async Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        InMemoryObjectStore.ThrowIfDeleteCannotSucceed(condition);
        cancellationToken.ThrowIfCancellationRequested();
        string target = FullPathOf(path);
        bool deleted;
        using (await _locks.AcquireAsync(path, cancellationToken).ConfigureAwait(false))
        {
            string? current = CurrentETagFor(condition, target, path);
            if (!condition.IsSatisfiedBy(current))
            {
                throw new PreconditionFailedException(path, condition);
            }

            deleted = current is not null;
            if (deleted)
            {
                File.Delete(target);
            }
        }

        if (deleted)
        {
            RemoveEmptyFolders(Path.GetDirectoryName(target)!);
        }

        return deleted;
    }

    public Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ReadETagOrNull(FullPathOf(path), path));
    }

    /// <summary>
    /// Removes, anywhere in the store, temporary files left by writes that were interrupted (a killed
    /// process, a power loss): those no writer holds open and older than
    /// <see cref="FileSystemObjectStoreOptions.AbandonedTemporaryFileAge"/>.
    /// </summary>
    /// <returns>How many files were removed.</returns>
    public Task<int> RemoveAbandonedTemporaryFilesAsync(CancellationToken cancellationToken = default)
    {
        int removed = 0;
        foreach (string container in Directory.EnumerateDirectories(RootDirectory))
        {
            if (Path.GetFileName(container).StartsWith('.'))
            {
                continue; // The lock folder.
            }

            foreach (string file in EnumerateAllFiles(container))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (IsTemporaryFile(file) && TryRemoveAbandonedTemporaryFile(file))
                {
                    removed++;
                }
            }
        }

        return Task.FromResult(removed);
    }

    private async Task<string> WriteCoreAsync(string path, Func<FileStream, CancellationToken, Task<long>> writeContent, WriteCondition condition, CancellationToken cancellationToken)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        string target = FullPathOf(path);
        if (Directory.Exists(target))
        {
            // Blob storage can hold both 'a/b' and 'a/b/c'; a file system cannot. The registry never needs to.
            throw new IOException($"Cannot write '{path}': the file-system store already holds objects under '{path}/', and a path cannot be both an object and a folder here.");
        }

        // Fail fast before copying what may be a large content; the check that counts is made under the lock.
        if (condition.Kind != WriteConditionKind.None && !condition.IsSatisfiedBy(ReadETagOrNull(target, path)))
        {
            throw new PreconditionFailedException(path, condition);
        }

        string rawETag = ObjectFileFormat.NewETag();

        // Held with FileShare.None while written, so cleanup can tell a live write from an abandoned one.
        FileStream stream = CreateTemporaryFile(target, out string temporary);
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                byte[] header = new byte[ObjectFileFormat.HeaderLength];
                ObjectFileFormat.WriteHeader(header, 0, _timeProvider.GetUtcNow(), rawETag);
                await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                long length = await writeContent(stream, cancellationToken).ConfigureAwait(false);
                ObjectFileFormat.WriteHeader(header, length, _timeProvider.GetUtcNow(), rawETag);
                stream.Position = 0;
                await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (_options.FlushToDisk)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            using (await _locks.AcquireAsync(path, cancellationToken).ConfigureAwait(false))
            {
                // From here on nothing observes the token: a commit is never left half done.
                if (!condition.IsSatisfiedBy(CurrentETagFor(condition, target, path)))
                {
                    throw new PreconditionFailedException(path, condition);
                }

                File.Move(temporary, target, overwrite: true);
            }

            return ObjectFileFormat.Quote(rawETag);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static FileStream CreateTemporaryFile(string target, out string temporary)
    {
        string folder = Path.GetDirectoryName(target)!;
        for (int attempt = 1; ; attempt++)
        {
            temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():n}{TemporarySuffix}");
            try
            {
                // A concurrent delete may remove the (then empty) folder between these two calls.
                Directory.CreateDirectory(folder);
                return new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 81920, FileOptions.Asynchronous);
            }
            catch (DirectoryNotFoundException) when (attempt < 10)
            {
            }
            catch (IOException) when (attempt < 10)
            {
                // On Unix the open and the lock are two steps: a cleanup that opened the new, empty file in
                // between holds the lock, so the open fails and leaves the file. Try again under a new name.
                TryDelete(temporary);
            }
        }
    }

    private static SafeFileHandle? TryOpenForReading(string file)
    {
        try
        {
            // FileShare.Delete lets a writer rename a new version over a file being read (Windows);
            // the reader keeps reading the version it opened.
            return File.OpenHandle(file, FileMode.Open, FileAccess.Read, ReaderShare, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(file))
        {
            return null; // A folder holding deeper objects: like a blob prefix, not an object.
        }
    }

    private static async Task<ObjectHeader> ReadHeaderAsync(SafeFileHandle handle, string path, CancellationToken cancellationToken)
    {
        byte[] header = new byte[ObjectFileFormat.HeaderLength];
        int total = 0;
        while (total < header.Length)
        {
            int read = await RandomAccess.ReadAsync(handle, header.AsMemory(total), total, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return ObjectFileFormat.ReadHeader(header.AsSpan(0, total), RandomAccess.GetLength(handle), path);
    }

    /// <summary>
    /// The current ETag when the condition needs it; for an unconditional operation only whether the file
    /// exists, so that a damaged file can still be overwritten or deleted.
    /// </summary>
    private static string? CurrentETagFor(WriteCondition condition, string file, string path) =>
        condition.Kind == WriteConditionKind.None
            ? (File.Exists(file) ? string.Empty : null)
            : ReadETagOrNull(file, path);

    private static string? ReadETagOrNull(string file, string path)
    {
        using SafeFileHandle? handle = TryOpenForReading(file);
        if (handle is null)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[ObjectFileFormat.HeaderLength];
        int total = 0;
        while (total < header.Length)
        {
            int read = RandomAccess.Read(handle, header[total..], total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return ObjectFileFormat.ReadHeader(header[..total], RandomAccess.GetLength(handle), path).ETag;
    }

    private static IEnumerable<string> EnumerateAllFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = 0, // Dot files count as hidden on Unix; temporary files are among them.
            ReturnSpecialDirectories = false,
        });

    private static bool IsTemporaryFile(string file)
    {
        string name = Path.GetFileName(file);
        return name.StartsWith('.') && name.EndsWith(TemporarySuffix, StringComparison.Ordinal);
    }

    private bool TryRemoveAbandonedTemporaryFile(string file)
    {
        TimeSpan age;
        try
        {
            // An exclusive open fails while the writer still holds the file: a live write is never touched.
            // (A writer's open and its lock are two steps, so this may also win against a file created an
            // instant ago, still without a header; the age check below keeps such a file.)
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 1);
            Span<byte> header = stackalloc byte[ObjectFileFormat.HeaderLength];
            int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);

            // The header's time comes from the injected clock; the file system's from the real one. Each is
            // compared with its own clock, or a test clock set in the future would make every file look old.
            age = ObjectFileFormat.TryReadLastModified(header[..read], out DateTimeOffset written)
                ? _timeProvider.GetUtcNow() - written
                : TimeProvider.System.GetUtcNow() - File.GetLastWriteTimeUtc(file);
        }
        catch (IOException)
        {
            return false;
        }

        if (age < _options.AbandonedTemporaryFileAge)
        {
            return false;
        }

        try
        {
            File.Delete(file);
            StorageLog.RemovedAbandonedTemporaryFile(_logger, file);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StorageLog.CouldNotRemoveTemporaryFile(_logger, file, e);
            return false;
        }
    }

    private void RemoveEmptyFolders(string folder)
    {
        // Blob storage has no folders; keep the tree from filling with empty ones. A writer that loses its
        // folder this way recreates it (CreateTemporaryFile). Containers themselves stay.
        while (folder.Length > RootDirectory.Length
               && Path.GetDirectoryName(folder) is { } parent
               && !string.Equals(parent, RootDirectory, StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(folder, recursive: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return; // Not empty, or in use.
            }

            folder = parent;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for RemoveAbandonedTemporaryFilesAsync.
        }
    }

    private string FullPathOf(string validatedPath) => Path.Combine(RootDirectory, validatedPath.Replace('/', Path.DirectorySeparatorChar));
}
