using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace FunctionsMl.Serving.Retraining;

/// <summary>What started a run.</summary>
public enum RunTrigger
{
    /// <summary>The model's <c>schedule</c>.</summary>
    Schedule,

    /// <summary><c>POST /api/models/{name}/retrain</c>.</summary>
    Manual,

    /// <summary>The local host found the model without a production version when it started.</summary>
    Startup,

    /// <summary>The <c>train</c> or <c>retrain</c> command.</summary>
    Cli,
}

/// <summary>Where a run is.</summary>
public enum RunStatus
{
    Running,

    /// <summary>The run finished: its candidate was promoted, or the champion kept.</summary>
    Succeeded,

    /// <summary>A step failed (after its retries); production was left as it was.</summary>
    Failed,

    /// <summary>The process running it stopped before it finished; production was left as it was.</summary>
    Interrupted,
}

/// <summary>Where a step is.</summary>
public enum StepStatus
{
    Running,
    Succeeded,
    Failed,
    Interrupted,
}

/// <summary>
/// One retraining run, as kept at <c>runs/&lt;name&gt;/&lt;id&gt;.json</c> and updated as the run progresses:
/// what started it, the data it used, each step with its timing, the metrics of both models, the
/// decision and why, the version it produced, and the error if it failed.
/// </summary>
public sealed partial record RetrainingRun
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    public required RunTrigger Trigger { get; init; }

    public required RunStatus Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Wall time from start to finish, in seconds.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>The process that started the run; how a restart tells an interrupted run from a live one.</summary>
    public RunOwner? Owner { get; init; }

    public IReadOnlyList<RunStep> Steps { get; init; } = [];

    /// <summary>The definition used and the rule the gate applied.</summary>
    public RunDefinitionInfo? Definition { get; init; }

    /// <summary>Exactly which training files, at which versions, the run trained on.</summary>
    public DataSnapshot? Data { get; init; }

    public RunCandidateInfo? Candidate { get; init; }

    public RunChampionInfo? Champion { get; init; }

    public GateVerdict? Decision { get; init; }

    /// <summary>Why the candidate was promoted or not, in words.</summary>
    public string? Reason { get; init; }

    /// <summary>The version the run left in production: the new one if promoted, else the champion; or the one it registered but could not promote.</summary>
    public string? Version { get; init; }

    /// <summary>Whether this run moved <c>production</c>.</summary>
    public bool Promoted { get; init; }

    public string? Error { get; init; }

    /// <summary>The step that failed or was interrupted.</summary>
    public string? FailedStep { get; init; }

    [GeneratedRegex("^[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    /// <summary>Whether <paramref name="id"/> has the form of a run id: <c>yyyyMMdd-HHmmss-fff-xxxxxx</c> (UTC start, random suffix), which sorts by start time.</summary>
    public static bool IsValidId([NotNullWhen(true)] string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>A new run id for a run starting at <paramref name="startedAt"/>.</summary>
    public static string NewId(DateTimeOffset startedAt) =>
        $"{startedAt.UtcDateTime:yyyyMMdd-HHmmss-fff}-{Random.Shared.Next(1 << 24):x6}";
}

/// <summary>One activity of a run. A retried activity is one step with several attempts.</summary>
public sealed record RunStep
{
    public required string Name { get; init; }

    public required StepStatus Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public double? DurationSeconds { get; init; }

    public int Attempts { get; init; } = 1;

    /// <summary>What the step found or did, in a few words.</summary>
    public string? Outcome { get; init; }

    /// <summary>The last attempt's error.</summary>
    public string? Error { get; init; }
}

/// <summary>A process, identified well enough to tell later whether it is still alive.</summary>
/// <param name="Host">The machine name.</param>
public sealed record RunOwner(string Host, int ProcessId, DateTimeOffset ProcessStartedAt)
{
    public override string ToString() => $"process {ProcessId} on {Host}";
}

/// <summary>The definition a run used.</summary>
/// <param name="ETag">The version of <c>models/&lt;name&gt;/model.json</c> read.</param>
/// <param name="Rule">The validation rule the gate applied.</param>
public sealed record RunDefinitionInfo(string ETag, string Trainer, GateRule Rule);

/// <summary>The candidate a run trained.</summary>
/// <param name="Sha256">SHA-256 of the model file (the registry's content identity).</param>
public sealed record RunCandidateInfo(string Sha256, long Size, int Rows, int TrainRows, int HoldoutRows, IReadOnlyDictionary<string, double> Metrics);

/// <summary>The champion as the run found it.</summary>
/// <param name="Version">The version <c>production</c> pointed to; null when there was none.</param>
/// <param name="Metrics">Its metrics on the candidate's holdout; null when none or it could not be scored.</param>
/// <param name="Note">Why it has no metrics, when it has a version but could not be scored.</param>
public sealed record RunChampionInfo(string? Version, IReadOnlyDictionary<string, double>? Metrics, string? Note);
