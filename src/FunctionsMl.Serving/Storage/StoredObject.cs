namespace FunctionsMl.Serving.Storage;

/// <summary>One version of an object: its content and the ETag of exactly that content.</summary>
public sealed class StoredObject
{
    public StoredObject(ReadOnlyMemory<byte> content, string eTag, DateTimeOffset lastModified)
    {
        ArgumentException.ThrowIfNullOrEmpty(eTag);
        Content = content;
        ETag = eTag;
        LastModified = lastModified;
    }

    public ReadOnlyMemory<byte> Content { get; }

    public string ETag { get; }

    public DateTimeOffset LastModified { get; }
}

/// <summary>What a listing says of one object, without its content.</summary>
/// <param name="Path">The full object path, <c>container/path</c>.</param>
/// <param name="Size">Content length in bytes.</param>
public sealed record StoredObjectInfo(string Path, string ETag, long Size, DateTimeOffset LastModified);
