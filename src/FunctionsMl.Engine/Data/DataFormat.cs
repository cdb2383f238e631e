namespace FunctionsMl.Engine.Data;

/// <summary>A tabular file format the engine reads.</summary>
public enum DataFormat
{
    /// <summary>Comma-separated values per RFC 4180, with a header row.</summary>
    Csv,

    /// <summary>One JSON object per line.</summary>
    JsonLines,
}
