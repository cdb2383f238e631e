namespace FunctionsMl.Engine.Data;

/// <summary>Picks a <see cref="DataFormat"/> from a file name and opens record readers.</summary>
public static class DataFormats
{
    /// <summary>The file extensions that hold data, lower case with the dot.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".csv", ".jsonl", ".ndjson", ".json"];

    /// <summary>
    /// The format of <paramref name="path"/> from its extension: <c>.csv</c> is CSV; <c>.jsonl</c>, <c>.ndjson</c> and
    /// <c>.json</c> are JSON lines (case-insensitive).
    /// </summary>
    /// <exception cref="NotSupportedException">Any other extension.</exception>
    public static DataFormat FromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (TryFromPath(path, out var format))
        {
            return format;
        }

        var extension = Path.GetExtension(path);
        throw new NotSupportedException(
            $"Cannot tell the data format of '{path}' from its extension '{extension}'. " +
            "Use .csv for CSV, or .jsonl, .ndjson or .json for JSON lines.");
    }

    public static bool TryFromPath(string path, out DataFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(path.AsSpan());
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
        {
            format = DataFormat.Csv;
            return true;
        }

        if (extension.Equals(".jsonl", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".ndjson", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            format = DataFormat.JsonLines;
            return true;
        }

        format = default;
        return false;
    }

    /// <summary>Opens a streaming reader over <paramref name="stream"/>; disposing the reader disposes the stream.</summary>
    /// <param name="knownColumns">
    /// JSON lines only: columns to number first, so that a scorer can bind its inputs before the first line (see
    /// <see cref="JsonLinesRecordReader(Stream, IEnumerable{string})"/>). CSV takes its columns from the header.
    /// </param>
    /// <exception cref="DataFormatException">CSV without a usable header.</exception>
    public static IRecordReader CreateReader(Stream stream, DataFormat format, IEnumerable<string>? knownColumns = null) => format switch
    {
        DataFormat.Csv => new CsvRecordReader(stream),
        DataFormat.JsonLines => new JsonLinesRecordReader(stream, knownColumns),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown data format."),
    };
}
