using System.Runtime.CompilerServices;

namespace FunctionsMl.Serving.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> held in memory, for tests and single-process use. One lock makes every
/// operation linearizable; content is copied in on write, so callers cannot change a stored version.
/// </summary>
public sealed class InMemoryObjectStore : IObjectStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _writeCount;

    public InMemoryObjectStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How many objects the store holds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_objects.GetValueOrDefault(path));
        }
    }

    public async Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        StoredObject? stored = await ReadAsync(path, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : new MemoryStream(stored.Content.ToArray(), writable: false);
    }

    public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Commit(path, content.ToArray(), condition));
    }

    public async Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        ArgumentNullException.ThrowIfNull(content);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Commit(path, buffer.ToArray(), condition);
    }

    public async IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectPath.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        List<StoredObjectInfo> matches;
        lock (_gate)
        {
            matches = _objects
                .Where(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Select(entry => new StoredObjectInfo(entry.Key, entry.Value.ETag, entry.Value.Content.Length, entry.Value.LastModified))
                .ToList();
        }

        foreach (StoredObjectInfo info in matches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return info;
        }
    }

    public Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        ThrowIfDeleteCannotSucceed(condition);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            string? current = _objects.GetValueOrDefault(path)?.ETag;
            if (!condition.IsSatisfiedBy(current))
            {
                throw new PreconditionFailedException(path, condition);
            }

            return Task.FromResult(_objects.Remove(path));
        }
    }

    public Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default)
    {
        ObjectPath.Validate(path);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_objects.GetValueOrDefault(path)?.ETag);
        }
    }

    internal static void ThrowIfDeleteCannotSucceed(WriteCondition condition)
    {
        if (condition.Kind == WriteConditionKind.IfNoneMatch)
        {
            throw new ArgumentException("A delete cannot be conditioned on the object not existing (if-none-match).", nameof(condition));
        }
    }

    private string Commit(string path, byte[] content, WriteCondition condition)
    {
        lock (_gate)
        {
            string? current = _objects.GetValueOrDefault(path)?.ETag;
            if (!condition.IsSatisfiedBy(current))
            {
                throw new PreconditionFailedException(path, condition);
            }

            // A counter, not a content hash: rewriting identical bytes must still change the ETag.
            string eTag = $"\"mem-{++_writeCount:x16}\"";
            _objects[path] = new StoredObject(content, eTag, _timeProvider.GetUtcNow());
            return eTag;
        }
    }
}
