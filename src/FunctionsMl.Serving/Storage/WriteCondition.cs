namespace FunctionsMl.Serving.Storage;

/// <summary>What a conditional write or delete requires of the object's current state.</summary>
public enum WriteConditionKind
{
    /// <summary>No condition: last writer wins.</summary>
    None,

    /// <summary>The object must not exist (HTTP <c>If-None-Match: *</c>): create only.</summary>
    IfNoneMatch,

    /// <summary>The object must exist with exactly this ETag (HTTP <c>If-Match</c>): compare-and-swap.</summary>
    IfMatch,
}

/// <summary>A precondition on an object's ETag, checked atomically with the write it guards.</summary>
public readonly record struct WriteCondition
{
    private WriteCondition(WriteConditionKind kind, string? eTag)
    {
        Kind = kind;
        ETag = eTag;
    }

    public WriteConditionKind Kind { get; }

    /// <summary>The ETag required by <see cref="WriteConditionKind.IfMatch"/>; otherwise <see langword="null"/>.</summary>
    public string? ETag { get; }

    /// <summary>No condition (also the <see langword="default"/> value).</summary>
    public static WriteCondition None => default;

    /// <summary>Create only: fails when the object exists.</summary>
    public static WriteCondition IfNoneMatch => new(WriteConditionKind.IfNoneMatch, null);

    /// <summary>Compare-and-swap: fails unless the object exists with <paramref name="eTag"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="eTag"/> is null or empty.</exception>
    public static WriteCondition IfMatch(string eTag)
    {
        ArgumentException.ThrowIfNullOrEmpty(eTag);
        return new(WriteConditionKind.IfMatch, eTag);
    }

    /// <summary>Whether an object whose current ETag is <paramref name="currentETag"/> (null: absent) satisfies the condition.</summary>
    public bool IsSatisfiedBy(string? currentETag) => Kind switch
    {
        WriteConditionKind.IfNoneMatch => currentETag is null,
        WriteConditionKind.IfMatch => currentETag is not null && string.Equals(currentETag, ETag, StringComparison.Ordinal),
        _ => true,
    };

    public override string ToString() => Kind switch
    {
        WriteConditionKind.IfNoneMatch => "if-none-match *",
        WriteConditionKind.IfMatch => $"if-match {ETag}",
        _ => "unconditional",
    };
}
