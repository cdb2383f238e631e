using System.Diagnostics.CodeAnalysis;

namespace FunctionsMl.Engine.Data;

/// <summary>Typed columns of equal length, in their original order. Immutable once built.</summary>
public sealed class DataTable
{
    private readonly DataColumn[] _columns;
    private readonly Dictionary<string, DataColumn> _byName;

    /// <exception cref="ArgumentException">Columns of different lengths or with the same name.</exception>
    public DataTable(IEnumerable<DataColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _byName = new Dictionary<string, DataColumn>(_columns.Length, StringComparer.Ordinal);
        foreach (var column in _columns)
        {
            if (!_byName.TryAdd(column.Name, column))
            {
                throw new ArgumentException($"Two columns are named '{column.Name}'.", nameof(columns));
            }

            if (column.Length != _columns[0].Length)
            {
                throw new ArgumentException(
                    $"Column '{column.Name}' has {column.Length} values but '{_columns[0].Name}' has {_columns[0].Length}.", nameof(columns));
            }
        }

        RowCount = _columns.Length == 0 ? 0 : _columns[0].Length;
    }

    public IReadOnlyList<DataColumn> Columns => _columns;

    public int RowCount { get; }

    /// <exception cref="KeyNotFoundException">No column has that name.</exception>
    public DataColumn this[string name] => TryGetColumn(name, out var column)
        ? column
        : throw new KeyNotFoundException($"The data has no column '{name}'. Its columns are: {string.Join(", ", _columns.Select(c => c.Name))}.");

    public bool TryGetColumn(string name, [NotNullWhen(true)] out DataColumn? column) => _byName.TryGetValue(name, out column);

    /// <summary>A table of the given rows, in order (for train and holdout splits).</summary>
    public DataTable SelectRows(ReadOnlySpan<int> rows)
    {
        var columns = new DataColumn[_columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = _columns[i].SelectRows(rows);
        }

        return new DataTable(columns);
    }
}
