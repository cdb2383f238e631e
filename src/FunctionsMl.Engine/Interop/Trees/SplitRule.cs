namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>When a split sends a row to its <em>true</em> branch: <c>x rule threshold</c>, or membership in a set.</summary>
internal enum SplitRule
{
    Less,
    LessOrEqual,
    GreaterOrEqual,
    Greater,
    Equal,
    NotEqual,
    Member,
}

/// <summary>How a compiled node compares; <see cref="Less"/> is the fast path every ordinary split is rewritten to.</summary>
internal enum NodeKind : byte
{
    Less = 0,
    LessOrEqual = 1,
    Equal = 2,
    Member = 3,

    /// <summary>LightGBM's zero-as-missing: |x| ≤ 1e-35 or NaN takes the missing branch, else <c>x ≤ t</c>.</summary>
    LessOrEqualZeroMissing = 4,
}
