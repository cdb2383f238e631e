namespace FunctionsMl.Serving.Storage;

/// <summary>
/// The port everything in FunctionsMl is stored through, modelled on blob storage: objects are whole
/// byte strings addressed by <c>container/path/segments</c>, replaced atomically, each version tagged
/// with an opaque ETag that changes on every write, and guarded by conditions on that ETag.
/// </summary>
/// <remarks>
/// Implementations must pass <c>ObjectStoreContractTests</c>. Paths are validated by
/// <see cref="ObjectPath.Validate"/>; an invalid path throws <see cref="ArgumentException"/>.
/// Every conditional operation is linearizable: of several writers holding the same ETag, exactly one
/// succeeds.
/// </remarks>
public interface IObjectStore
{
    /// <summary>Reads an object's content together with the ETag of exactly that content.</summary>
    /// <returns>The object, or <see langword="null"/> when there is none at <paramref name="path"/>.</returns>
    Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for streaming; for large content (scoring inputs) that should not be buffered.</summary>
    /// <returns>A read-only stream of one version of the content, or <see langword="null"/> when absent.</returns>
    Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Replaces (or creates) an object atomically if <paramref name="condition"/> holds.</summary>
    /// <returns>The new ETag.</returns>
    /// <exception cref="PreconditionFailedException">The condition did not hold; nothing was written.</exception>
    Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="WriteAsync(string, ReadOnlyMemory{byte}, WriteCondition, CancellationToken)"/>, reading the content to its end.</summary>
    Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>Lists every object whose path starts with <paramref name="prefix"/>, in ordinal order of path.</summary>
    /// <param name="prefix">A container and a slash, then any start of a path: <c>models/</c>, <c>models/iris/ver</c>.</param>
    IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object if <paramref name="condition"/> holds.</summary>
    /// <returns><see langword="true"/> when an object was deleted, <see langword="false"/> when there was none (unconditional delete only).</returns>
    /// <exception cref="PreconditionFailedException">An <see cref="WriteConditionKind.IfMatch"/> condition did not hold (including when the object is absent).</exception>
    /// <exception cref="ArgumentException">The condition is <see cref="WriteConditionKind.IfNoneMatch"/>, which a delete cannot satisfy.</exception>
    Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>The current ETag without the content (a blob HEAD); how caches notice changes cheaply.</summary>
    /// <returns>The ETag, or <see langword="null"/> when absent.</returns>
    Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default);
}
