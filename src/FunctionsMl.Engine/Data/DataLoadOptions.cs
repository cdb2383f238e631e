namespace FunctionsMl.Engine.Data;

/// <summary>How <see cref="DataLoader"/> reads data.</summary>
public sealed class DataLoadOptions
{
    /// <summary>
    /// Kinds for named columns, overriding inference; every name must be a column of the data. A value in a forced
    /// numeric column that is neither a number nor missing is an error naming column, line and value.
    /// </summary>
    public IReadOnlyDictionary<string, ColumnKind>? ColumnKinds { get; init; }
}
