using System.Diagnostics;

namespace FunctionsMl.Serving.Storage.FileSystem;

/// <summary>
/// Mutual exclusion for commits to the same object, across threads and processes.
/// </summary>
/// <remarks>
/// <para>
/// Paths hash onto <see cref="StripeCount"/> lock files under <c>root/.locks/</c>. A lock is held by
/// opening the stripe's file with <see cref="FileShare.None"/>: on Windows that is a sharing mode the
/// kernel enforces; on Unix .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> for it. Both are released by the
/// kernel when the holder's handle is closed or its process dies, so a crashed writer never leaves a
/// stale lock behind (the weakness of lock files made with <c>CreateNew</c>, whose breaking is racy).
/// Lock files are never deleted: deleting a flock'd file lets a later opener lock a new inode while an
/// earlier one still holds the old, two holders at once.
/// </para>
/// <para>
/// flock is advisory and .NET skips it silently when <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> is set or
/// the file system does not support it, so <see cref="VerifyLockingWorks"/> checks once, at start,
/// that a second exclusive open really fails, and refuses to run otherwise.
/// </para>
/// <para>
/// Within one process a semaphore per stripe queues threads, so only cross-process contention polls.
/// Locks are held only for the commit (check the ETag, rename), never while content is copied.
/// Stripes are chosen from the lower-cased path so that on a case-insensitive file system two spellings
/// of one file share a lock.
/// </para>
/// </remarks>
internal sealed class StoreLocks
{
    public const int StripeCount = 64;
    public const string DirectoryName = ".locks";

    private readonly string _directory;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim[] _local;

    public StoreLocks(string rootDirectory, TimeSpan timeout)
    {
        _directory = Path.Combine(rootDirectory, DirectoryName);
        _timeout = timeout;
        _local = new SemaphoreSlim[StripeCount];
        for (int i = 0; i < StripeCount; i++)
        {
            _local[i] = new SemaphoreSlim(1, 1);
        }

        Directory.CreateDirectory(_directory);
    }

    /// <summary>Waits for exclusive ownership of <paramref name="path"/>'s stripe.</summary>
    /// <exception cref="TimeoutException">Another holder kept it longer than the lock timeout.</exception>
    public async Task<IDisposable> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        int stripe = StripeOf(path);
        long started = Stopwatch.GetTimestamp();
        SemaphoreSlim local = _local[stripe];
        if (!await local.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"Timed out after {_timeout} waiting for the store lock of '{path}' held by another writer in this process.");
        }

        try
        {
            string lockFile = Path.Combine(_directory, $"{stripe:d2}.lock");
            TimeSpan delay = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                try
                {
                    var handle = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
                    return new Held(handle, local);
                }
                catch (IOException busy) when (busy is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
                {
                    if (Stopwatch.GetElapsedTime(started) > _timeout)
                    {
                        throw new TimeoutException($"Timed out after {_timeout} waiting for the store lock of '{path}' ({lockFile}) held by another process.", busy);
                    }

                    // Jittered exponential backoff up to 50 ms: the other holder's commit takes about a millisecond.
                    await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(2)), cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
                }
            }
        }
        catch
        {
            local.Release();
            throw;
        }
    }

    /// <exception cref="NotSupportedException">Exclusive opens are not exclusive here.</exception>
    public void VerifyLockingWorks()
    {
        string probe = Path.Combine(_directory, $"probe-{Guid.NewGuid():n}.lock");
        try
        {
            using var first = new FileStream(probe, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
            try
            {
                using var second = new FileStream(probe, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            }
            catch (IOException)
            {
                return;
            }

            throw new NotSupportedException(
                $"File locking does not work under '{_directory}': a second exclusive open of a file succeeded. " +
                "The file-system store needs it for compare-and-swap across processes; unset DOTNET_SYSTEM_IO_DISABLEFILELOCKING " +
                "or put the store on a local file system.");
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>FNV-1a over the lower-cased path: stable across processes, unlike string.GetHashCode.</summary>
    internal static int StripeOf(string path)
    {
        uint hash = 2166136261;
        foreach (char c in path)
        {
            hash = (hash ^ char.ToLowerInvariant(c)) * 16777619;
        }

        return (int)(hash % StripeCount);
    }

    private sealed class Held(FileStream handle, SemaphoreSlim local) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                handle.Dispose();
                local.Release();
            }
        }
    }
}
