namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// An input row that cannot be featurized: a feature field that is missing, unknown, or of the wrong type. The
/// message says which field and why; it is safe to show to the caller who sent the row.
/// </summary>
public sealed class FeatureInputException : Exception
{
    public FeatureInputException(string field, string message, long? lineNumber = null, Exception? innerException = null)
        : base(lineNumber is null ? message : $"Line {lineNumber}: {message}", innerException)
    {
        Field = field;
        LineNumber = lineNumber;
    }

    /// <summary>The field at fault; "$" when the row as a whole is wrong (not a JSON object).</summary>
    public string Field { get; }

    /// <summary>The input line, when the row came from a file.</summary>
    public long? LineNumber { get; }
}
