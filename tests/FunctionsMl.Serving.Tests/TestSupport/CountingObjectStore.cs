using System.Runtime.CompilerServices;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.TestSupport;

/// <summary>Passes every call to an inner store and counts them, to prove what does (not) touch storage.</summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private int _calls;

    /// <summary>Every call so far, of any kind.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default) => Count(inner.ReadAsync(path, cancellationToken));

    public Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default) => Count(inner.OpenReadAsync(path, cancellationToken));

    public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default) =>
        Count(inner.WriteAsync(path, content, condition, cancellationToken));

    public Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default) =>
        Count(inner.WriteAsync(path, content, condition, cancellationToken));

    public async IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        await foreach (StoredObjectInfo info in inner.ListAsync(prefix, cancellationToken))
        {
            yield return info;
        }
    }

    public Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default) => Count(inner.DeleteAsync(path, condition, cancellationToken));

    public Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default) => Count(inner.GetETagAsync(path, cancellationToken));

    private T Count<T>(T result)
    {
        Interlocked.Increment(ref _calls);
        return result;
    }
}
