namespace FunctionsMl.Engine.Data;

/// <summary>
/// Input data that cannot be read: a malformed CSV record, a JSON line that is not an object, a value that does
/// not fit its column, or no data at all. The message names the file, line and column when they are known.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string reason, long? lineNumber = null, string? column = null, string? filePath = null, Exception? innerException = null)
        : base(Compose(reason, lineNumber, column, filePath), innerException)
    {
        Reason = reason;
        LineNumber = lineNumber;
        Column = column;
        FilePath = filePath;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>1-based physical line on which the offending record starts; null when not tied to one line.</summary>
    public long? LineNumber { get; }

    /// <summary>The column at fault, when there is one.</summary>
    public string? Column { get; }

    /// <summary>The file, when the data came from a file.</summary>
    public string? FilePath { get; }

    /// <summary>The same error, located in <paramref name="filePath"/>.</summary>
    internal DataFormatException InFile(string filePath) =>
        FilePath is null ? new DataFormatException(Reason, LineNumber, Column, filePath, this) : this;

    private static string Compose(string reason, long? lineNumber, string? column, string? filePath)
    {
        var location = new List<string>(3);
        if (filePath is not null)
        {
            location.Add($"'{filePath}'");
        }

        if (lineNumber is not null)
        {
            location.Add($"line {lineNumber}");
        }

        if (column is not null)
        {
            location.Add($"column '{column}'");
        }

        return location.Count == 0 ? reason : $"{string.Join(", ", location)}: {reason}";
    }
}
