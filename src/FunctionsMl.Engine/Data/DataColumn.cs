namespace FunctionsMl.Engine.Data;

/// <summary>
/// One column of a <see cref="DataTable"/>: numbers (NaN is missing) for <see cref="ColumnKind.Numeric"/>, strings
/// (null is missing) for <see cref="ColumnKind.Categorical"/> and <see cref="ColumnKind.Text"/>.
/// </summary>
public sealed class DataColumn
{
    private DataColumn(string name, ColumnKind kind, float[]? numbers, string?[]? strings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Kind = kind;
        Numbers = numbers;
        Strings = strings;
        if (numbers is not null)
        {
            Length = numbers.Length;
            foreach (var value in numbers)
            {
                MissingCount += float.IsNaN(value) ? 1 : 0;
            }
        }
        else
        {
            Length = strings!.Length;
            foreach (var value in strings)
            {
                MissingCount += value is null || DataValues.IsMissing(value) ? 1 : 0;
            }
        }
    }

    public string Name { get; }

    public ColumnKind Kind { get; }

    /// <summary>The values of a numeric column; NaN is missing. Null for other kinds.</summary>
    public float[]? Numbers { get; }

    /// <summary>The values of a categorical or text column; null (or a missing token such as "NA") is missing. Null for numeric columns.</summary>
    public string?[]? Strings { get; }

    public int Length { get; }

    /// <summary>Number of missing values.</summary>
    public int MissingCount { get; }

    public static DataColumn Numeric(string name, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new DataColumn(name, ColumnKind.Numeric, values, null);
    }

    public static DataColumn Categorical(string name, string?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new DataColumn(name, ColumnKind.Categorical, null, values);
    }

    public static DataColumn Text(string name, string?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new DataColumn(name, ColumnKind.Text, null, values);
    }

    /// <summary>A column of the given rows, in order.</summary>
    public DataColumn SelectRows(ReadOnlySpan<int> rows)
    {
        if (Numbers is not null)
        {
            var numbers = new float[rows.Length];
            for (var i = 0; i < rows.Length; i++)
            {
                numbers[i] = Numbers[rows[i]];
            }

            return new DataColumn(Name, Kind, numbers, null);
        }

        var strings = new string?[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            strings[i] = Strings![rows[i]];
        }

        return new DataColumn(Name, Kind, null, strings);
    }

    public override string ToString() => $"{Name} ({Kind}, {Length} values, {MissingCount} missing)";
}
