using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Scoring;

/// <summary>Why a whole file could not be scored (as opposed to single rows, which are rejected).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScoringFailureKind>))]
public enum ScoringFailureKind
{
    /// <summary>The file lies directly in <c>incoming/</c>, not in a model's folder.</summary>
    NoModelFolder,

    /// <summary>The extension is not one of the data formats (<c>.csv</c>, <c>.jsonl</c>, <c>.ndjson</c>, <c>.json</c>).</summary>
    UnsupportedFormat,

    /// <summary>No model of that name exists.</summary>
    UnknownModel,

    /// <summary>The model exists but has no production version that can be loaded.</summary>
    ModelNotReady,

    /// <summary>The data cannot be read: no usable CSV header, or a malformed record after which the rest is lost.</summary>
    UnreadableData,

    /// <summary>Columns the model needs are absent, or an input column has the name of an output column.</summary>
    WrongColumns,
}

/// <summary>
/// A file that cannot be scored at all: it is moved to <c>failed/</c> with a report instead of being retried, because
/// retrying would fail the same way.
/// </summary>
public sealed class UnscorableFileException : Exception
{
    public UnscorableFileException(ScoringFailureKind kind, string reason, long? lineNumber = null, Exception? innerException = null)
        : base(lineNumber is null ? reason : $"Line {lineNumber}: {reason}", innerException)
    {
        Kind = kind;
        Reason = reason;
        LineNumber = lineNumber;
    }

    public ScoringFailureKind Kind { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>The 1-based line at fault, when one is.</summary>
    public long? LineNumber { get; }
}
