using System.Text.Json.Serialization;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// <c>scored/&lt;model&gt;/&lt;path&gt;.summary.json</c>: what scoring one version of an input produced. Written after the
/// outputs it names, so its presence means they are complete; <see cref="InputETag"/> is how a repeated trigger for
/// the same upload knows it was already handled.
/// </summary>
public sealed record ScoringSummary
{
    public required string Input { get; init; }

    /// <summary>The ETag of the input version that was scored.</summary>
    public required string InputETag { get; init; }

    public required string Model { get; init; }

    public required string Version { get; init; }

    /// <summary><c>csv</c> or <c>jsonl</c>: the format of both input and output.</summary>
    public required string Format { get; init; }

    public required string Output { get; init; }

    /// <summary>The rejected-rows file, or null when every row was scored.</summary>
    public string? RejectedOutput { get; init; }

    /// <summary>Data rows in the input (header and blank lines not counted): <see cref="Scored"/> + <see cref="Rejected"/>.</summary>
    public required long Rows { get; init; }

    public required long Scored { get; init; }

    public required long Rejected { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }
}

/// <summary><c>failed/&lt;model&gt;/&lt;path&gt;.error.json</c>: why an input could not be scored at all, beside the copy of it.</summary>
public sealed record ScoringErrorReport
{
    public required string Input { get; init; }

    public required string InputETag { get; init; }

    /// <summary>The model folder the file was dropped in; null when it was not in one.</summary>
    public string? Model { get; init; }

    /// <summary>The copy of the input kept for inspection.</summary>
    public required string FailedCopy { get; init; }

    public required ScoringFailureKind Kind { get; init; }

    public required string Reason { get; init; }

    public long? LineNumber { get; init; }

    public required DateTimeOffset FailedAt { get; init; }
}

/// <summary><c>scored/&lt;model&gt;/&lt;path&gt;.lease.json</c>: who is scoring which version of an input, until when.</summary>
internal sealed record LeaseDocument(string Owner, string InputETag, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ScoringSummary))]
[JsonSerializable(typeof(ScoringErrorReport))]
[JsonSerializable(typeof(LeaseDocument))]
internal sealed partial class ScoringJsonContext : JsonSerializerContext;
