namespace FunctionsMl.Serving.Retraining;

// Activity inputs and outputs: small JSON-serialisable records that refer to stored things (object paths,
// ETags, versions), never to model bytes or data rows, because under Durable Functions each activity may
// run on another instance and every input and output is kept in the orchestration's history.

/// <summary>The orchestration's input.</summary>
/// <param name="RunId">Created by the starter together with the run record (ids need the clock, which the orchestration may not read).</param>
/// <param name="Retry">How activities are retried; in the input so that a replay uses the same policy.</param>
public sealed record RetrainRequest(string Model, string RunId, RunTrigger Trigger, ActivityRetry Retry)
{
    /// <summary>The singleton orchestration instance id of a model: one run at a time per model.</summary>
    public static string InstanceIdFor(string model) => $"retrain-{model}";
}

/// <summary>Names the run an activity works for; every activity input has one.</summary>
public sealed record RunRef(string Model, string RunId);

/// <summary>The definition a run uses, copied to the run's staging folder so it cannot change under the run.</summary>
/// <param name="Path">The staged copy, <c>runs/&lt;name&gt;/&lt;id&gt;/model.json</c>.</param>
/// <param name="SourceETag">The version of <c>models/&lt;name&gt;/model.json</c> that was copied.</param>
public sealed record DefinitionSnapshot(string Path, string SourceETag, GateRule Rule);

/// <summary>Exactly which training data a run uses.</summary>
/// <param name="Fingerprint">SHA-256 over every file's path and content hash, in order: equal fingerprints, equal data.</param>
public sealed record DataSnapshot(IReadOnlyList<SnapshotFile> Files, string Fingerprint, long TotalBytes);

/// <summary>One training data file at the version the snapshot saw.</summary>
public sealed record SnapshotFile(string Path, string ETag, long Size, string Sha256);

public sealed record TrainCandidateInput(RunRef Run, DefinitionSnapshot Definition, DataSnapshot Data);

/// <summary>A trained candidate, staged in the run's folder; never served from there.</summary>
/// <param name="ModelPath"><c>runs/&lt;name&gt;/&lt;id&gt;/candidate.fml</c>.</param>
/// <param name="HoldoutPath"><c>runs/&lt;name&gt;/&lt;id&gt;/holdout.jsonl</c>: the rows both models are scored on.</param>
/// <param name="Sha256">SHA-256 of the staged model file, checked before it is evaluated or registered.</param>
/// <param name="Metrics">The candidate's holdout metrics as computed in training.</param>
public sealed record CandidateModel(
    string ModelPath,
    string HoldoutPath,
    string Sha256,
    long Size,
    int Rows,
    int TrainRows,
    int HoldoutRows,
    IReadOnlyDictionary<string, double> Metrics);

public sealed record EvaluateInput(RunRef Run, CandidateModel Candidate);

/// <summary>Both models scored on the same staged holdout rows by the same code.</summary>
/// <param name="ChampionVersion">The version <c>production</c> pointed to; the promotion's compare-and-swap expects it still does.</param>
/// <param name="ChampionMetrics">Null when there is no champion or it could not be scored.</param>
/// <param name="ChampionNote">Why a champion could not be scored.</param>
/// <param name="ChampionOnline">The champion version's online metrics from feedback (last 30 days), when any.</param>
public sealed record Evaluation(
    IReadOnlyDictionary<string, double> CandidateMetrics,
    string? ChampionVersion,
    IReadOnlyDictionary<string, double>? ChampionMetrics,
    string? ChampionNote,
    Monitoring.OnlineMetrics? ChampionOnline = null);

/// <summary>Input of RegisterAndPromote and KeepChampion: the gate's decision and what it was based on.</summary>
public sealed record DecisionInput(RunRef Run, CandidateModel Candidate, string? ChampionVersion, GateDecision Decision);

/// <summary>What a run left in production.</summary>
/// <param name="Version">The version registered (promote) or kept (keep); null when there is none.</param>
/// <param name="Registered">Whether this run registered a version (false when identical bytes were already registered, or it kept the champion).</param>
/// <param name="Promoted">Whether <c>production</c> now points to the candidate because of this run.</param>
/// <param name="Note">What happened, in words, e.g. why a registered version was not promoted.</param>
public sealed record PromotionResult(string? Version, bool Registered, bool Promoted, string Note);

/// <summary>How a run ended, written by the last activity.</summary>
public sealed record RunOutcome
{
    public required RunStatus Status { get; init; }

    /// <summary>The orchestration's time when it finished (replay-safe).</summary>
    public required DateTime FinishedAtUtc { get; init; }

    public GateDecision? Decision { get; init; }

    public string? Version { get; init; }

    public bool Promoted { get; init; }

    public string? Error { get; init; }

    public string? FailedStep { get; init; }
}

public sealed record RecordRunInput(RunRef Run, RunOutcome Outcome);
