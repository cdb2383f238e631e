using System.Runtime.CompilerServices;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.TestSupport;

/// <summary>
/// Passes every call to an inner store and counts them, to prove what does (not) touch storage; can add
/// latency to each call, as a remote store has.
/// </summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private int _calls;

    /// <summary>Every call so far, of any kind.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Added before each call; zero by default.</summary>
    public TimeSpan Latency { get; set; }

    public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default) => Count(() => inner.ReadAsync(path, cancellationToken));

    public Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default) => Count(() => inner.OpenReadAsync(path, cancellationToken));

    public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default) =>
        Count(() => inner.WriteAsync(path, content, condition, cancellationToken));

    public Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default) =>
        Count(() => inner.WriteAsync(path, content, condition, cancellationToken));

    public async IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        await DelayAsync();
        await foreach (StoredObjectInfo info in inner.ListAsync(prefix, cancellationToken))
        {
            yield return info;
        }
    }

    public Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default) => Count(() => inner.DeleteAsync(path, condition, cancellationToken));

    public Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default) => Count(() => inner.GetETagAsync(path, cancellationToken));

    private async Task<T> Count<T>(Func<Task<T>> call)
    {
        Interlocked.Increment(ref _calls);
        await DelayAsync();
        return await call();
    }

    private Task DelayAsync() => Latency > TimeSpan.Zero ? Task.Delay(Latency) : Task.CompletedTask;
}
