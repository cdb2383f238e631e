namespace FunctionsMl.Engine.Data;

/// <summary>
/// Loads CSV or JSON-lines data into a typed <see cref="DataTable"/>.
/// </summary>
/// <remarks>
/// <para>
/// Missing values: an empty field, a field that is only white space, and (case-insensitively) <c>NA</c>,
/// <c>N/A</c>, <c>NaN</c> and <c>null</c>, as well as JSON null and a key absent from a JSON line (see
/// <see cref="DataValues"/>). String values are trimmed of surrounding white space.
/// </para>
/// <para>Kinds, unless <see cref="DataLoadOptions.ColumnKinds"/> forces one:</para>
/// <list type="number">
/// <item><see cref="ColumnKind.Numeric"/> when every value that is not missing parses as an invariant-culture number
/// (and when every value is missing).</item>
/// <item>Otherwise <see cref="ColumnKind.Categorical"/> when values are short, at most 3 white-space-separated words
/// on average, and few: at most max(20, n / 10, min(100, n / 2)) distinct values, n being the number of values that
/// are not missing. That is: up to 20 always; up to 100 when each value repeats twice on average; and any number
/// that is at most a tenth of the rows.</item>
/// <item>Otherwise <see cref="ColumnKind.Text"/>.</item>
/// </list>
/// <para>
/// Memory: numeric columns take 4 bytes a value, plus, while a column's kind is still open, a byte log of the text
/// of its numbers (so that a column that turns out not to be numeric keeps "007" as written).
/// </para>
/// </remarks>
public static class DataLoader
{
    private const int CancellationCheckInterval = 1024;

    /// <summary>
    /// Loads a file, or every data file (.csv, .jsonl, .ndjson, .json) directly in a folder, in ordinal order of
    /// their names, as one table. Every file must have the same set of columns.
    /// </summary>
    /// <exception cref="DataFormatException">Malformed data, disagreeing files, or no rows at all.</exception>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    public static DataTable Load(string path, DataLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string[] files;
        if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path)
                .Where(file => DataFormats.TryFromPath(file, out _))
                .OrderBy(Path.GetFileName, StringComparer.Ordinal)];
            if (files.Length == 0)
            {
                throw new DataFormatException(
                    $"The folder has no data files; expected files ending in {string.Join(", ", DataFormats.Extensions)}.", filePath: path);
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new FileNotFoundException($"There is no data file or folder at '{path}'.", path);
        }

        var builder = new TableBuilder(options);
        foreach (var file in files)
        {
            var format = DataFormats.FromPath(file);
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                using var reader = DataFormats.CreateReader(stream, format);
                builder.Read(reader, file, cancellationToken);
            }
            catch (DataFormatException ex) when (ex.FilePath is null)
            {
                throw ex.InFile(file);
            }
        }

        return builder.Build(files.Length == 1 ? files[0] : path);
    }

    /// <summary>Loads one stream of data; the stream is read to its end but not disposed.</summary>
    /// <exception cref="DataFormatException">Malformed data or no rows.</exception>
    public static DataTable Read(Stream stream, DataFormat format, DataLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var builder = new TableBuilder(options);
        using (var reader = DataFormats.CreateReader(new NonClosingStream(stream), format))
        {
            builder.Read(reader, source: null, cancellationToken);
        }

        return builder.Build(source: null);
    }

    /// <summary>Gathers the columns of one or more sources that must agree on their columns.</summary>
    private sealed class TableBuilder(DataLoadOptions? options)
    {
        private readonly List<ColumnBuilder> _columns = [];
        private readonly Dictionary<string, ColumnBuilder> _byName = new(StringComparer.Ordinal);
        private string? _firstSource;
        private HashSet<string>? _firstColumns;
        private int _rows;

        public void Read(IRecordReader reader, string? source, CancellationToken cancellationToken)
        {
            var map = new List<ColumnBuilder>();
            if (reader is CsvRecordReader)
            {
                // A CSV header is known before any row: check it before reading a large file.
                CheckColumns(reader.Columns, source);
                if (_firstColumns is null)
                {
                    CheckForcedKinds(reader.Columns);
                }
            }

            while (reader.TryRead(out var record))
            {
                if ((_rows % CancellationCheckInterval) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                while (map.Count < reader.Columns.Count)
                {
                    map.Add(ColumnFor(reader.Columns[map.Count], source));
                }

                if (_rows == int.MaxValue)
                {
                    throw new DataFormatException($"The data has more than {int.MaxValue} rows.", record.LineNumber);
                }

                for (var i = 0; i < record.FieldCount; i++)
                {
                    map[i].Append(record.GetField(i), record.LineNumber);
                }

                _rows++;
                for (var i = record.FieldCount; i < map.Count; i++)
                {
                    map[i].PadTo(_rows);
                }
            }

            foreach (var column in _columns)
            {
                column.PadTo(_rows);
            }

            CheckColumns(reader.Columns, source);
            _firstSource ??= source;
            _firstColumns ??= [.. reader.Columns];
        }

        public DataTable Build(string? source)
        {
            if (_rows == 0)
            {
                throw new DataFormatException("The data has no rows.", filePath: source);
            }

            CheckForcedKinds(_columns.Select(c => c.Name).ToList());
            return new DataTable(_columns.Select(c => c.Build()));
        }

        private ColumnBuilder ColumnFor(string name, string? source)
        {
            if (_byName.TryGetValue(name, out var column))
            {
                return column;
            }

            if (_firstColumns is not null)
            {
                throw new DataFormatException(
                    $"Column '{name}' is not in the first file, {_firstSource}; every file must have the same columns.", filePath: source, column: name);
            }

            ColumnKind? forced = options?.ColumnKinds?.TryGetValue(name, out var kind) == true ? kind : null;
            column = new ColumnBuilder(name, forced);
            column.PadTo(_rows);
            _columns.Add(column);
            _byName.Add(name, column);
            return column;
        }

        private void CheckColumns(IReadOnlyList<string> columns, string? source)
        {
            if (_firstColumns is null || _firstColumns.SetEquals(columns))
            {
                return;
            }

            var missing = _firstColumns.Where(c => !columns.Contains(c)).Order(StringComparer.Ordinal).ToList();
            var extra = columns.Where(c => !_firstColumns.Contains(c)).ToList();
            var parts = new List<string>(2);
            if (missing.Count > 0)
            {
                parts.Add($"lacks {string.Join(", ", missing)}");
            }

            if (extra.Count > 0)
            {
                parts.Add($"has {string.Join(", ", extra)} in addition");
            }

            throw new DataFormatException(
                $"The columns differ from those of the first file, {_firstSource}: this file {string.Join(" and ", parts)}. Every file must have the same columns.",
                filePath: source);
        }

        private void CheckForcedKinds(IReadOnlyList<string> columns)
        {
            if (options?.ColumnKinds is not { } kinds)
            {
                return;
            }

            var unknown = kinds.Keys.Where(name => !columns.Contains(name)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException(
                    $"DataLoadOptions.ColumnKinds names {string.Join(", ", unknown.Select(n => $"'{n}'"))}, which the data does not have. " +
                    $"Its columns are: {string.Join(", ", columns)}.", nameof(options));
            }
        }
    }

    /// <summary>Lets a reader own its stream while the caller keeps the one it passed in.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
