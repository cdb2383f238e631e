namespace FunctionsMl.Engine.Training;

/// <summary>
/// A dense, row-major matrix of featurized rows: the only input trainers and predictors see.
/// A missing value is <see cref="float.NaN"/>.
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(int rowCount, int columnCount)
        : this(new float[checked(rowCount * columnCount)], rowCount, columnCount)
    {
    }

    public FeatureMatrix(float[] values, int rowCount, int columnCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfNegative(columnCount);
        if (values.Length != (long)rowCount * columnCount)
        {
            throw new ArgumentException($"Expected {rowCount} x {columnCount} values, got {values.Length}.", nameof(values));
        }

        Values = values;
        RowCount = rowCount;
        ColumnCount = columnCount;
    }

    public int RowCount { get; }

    public int ColumnCount { get; }

    /// <summary>All values, row after row.</summary>
    public float[] Values { get; }

    public float this[int row, int column]
    {
        get => Values[(row * ColumnCount) + column];
        set => Values[(row * ColumnCount) + column] = value;
    }

    public Span<float> Row(int row) => Values.AsSpan(row * ColumnCount, ColumnCount);

    /// <summary>Copies the given rows, in order, into a new matrix (for splits and subsamples).</summary>
    public FeatureMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var result = new FeatureMatrix(rows.Length, ColumnCount);
        for (var i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(result.Row(i));
        }

        return result;
    }
}
