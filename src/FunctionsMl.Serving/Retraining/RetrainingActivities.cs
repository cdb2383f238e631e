using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// The activities of <see cref="RetrainingOrchestration"/>, one public method each. They do all the I/O,
/// take and return small records that refer to stored things, and may run more than once (a retry, or a
/// Durable replay after a crash) without doing harm. Each records its own step in the run record, so a
/// run's progress is written the same way whichever host runs it.
/// </summary>
public sealed class RetrainingActivities
{
    private readonly IObjectStore _store;
    private readonly ModelRegistry _registry;
    private readonly DefinitionStore _definitions;
    private readonly RunStore _runs;
    private readonly RunLocks _locks;
    private readonly RetrainingProgress _progress;
    private readonly TimeProvider _timeProvider;
    private readonly RetrainingOptions _options;
    private readonly ILogger _logger;

    public RetrainingActivities(
        IObjectStore store,
        ModelRegistry registry,
        DefinitionStore definitions,
        RunStore runs,
        RunLocks locks,
        RetrainingProgress progress,
        TimeProvider timeProvider,
        IOptions<RetrainingOptions>? options = null,
        ILogger<RetrainingActivities>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _definitions = definitions ?? throw new ArgumentNullException(nameof(definitions));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options?.Value ?? new RetrainingOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Copies the definition in force into the run's folder, so later steps use exactly it, and returns the gate's rule.</summary>
    /// <exception cref="ModelNotFoundException">The store has no definition of the model.</exception>
    /// <exception cref="ModelDefinitionException">The stored definition is invalid.</exception>
    public Task<DefinitionSnapshot> LoadDefinitionAsync(RunRef run, CancellationToken cancellationToken = default) =>
        StepAsync<DefinitionSnapshot>(run, RetrainingActivityNames.LoadDefinition, cancellationToken, async () =>
        {
            StoredDefinition stored = await _definitions.GetAsync(run.Model, cancellationToken).ConfigureAwait(false)
                ?? throw new ModelNotFoundException(run.Model, message: $"There is no definition of model '{run.Model}' in the store ({DefinitionPaths.Definition(run.Model)}).");
            string staged = RunPaths.Staged(run.Model, run.RunId, RunPaths.DefinitionFileName);
            await _store.WriteAsync(staged, Encoding.UTF8.GetBytes(stored.Json), WriteCondition.None, cancellationToken).ConfigureAwait(false);
            var rule = GateRule.From(stored.Definition.Validation);
            var snapshot = new DefinitionSnapshot(staged, stored.ETag, rule);
            return (snapshot,
                $"{stored.Definition.Task.ToString().ToLowerInvariant()} model, {stored.Definition.Trainer.Type} trainer; gate: {rule}",
                r => r with { Definition = new RunDefinitionInfo(stored.ETag, stored.Definition.Trainer.Type, rule) });
        });

    /// <summary>Records exactly which training files (paths, ETags, content hashes) the run will train on.</summary>
    /// <exception cref="DataFormatException">There is no training data.</exception>
    public Task<DataSnapshot> SnapshotDataAsync(RunRef run, CancellationToken cancellationToken = default) =>
        StepAsync<DataSnapshot>(run, RetrainingActivityNames.SnapshotData, cancellationToken, async () =>
        {
            (DataSnapshot snapshot, IReadOnlyList<string> ignored) = await TrainingDataReader.SnapshotAsync(_store, run.Model, cancellationToken).ConfigureAwait(false);
            string outcome = string.Create(CultureInfo.InvariantCulture, $"{snapshot.Files.Count} file(s), {snapshot.TotalBytes:N0} bytes, fingerprint {snapshot.Fingerprint[..12]}");
            if (ignored.Count > 0)
            {
                outcome += $"; ignored {ignored.Count} file(s) that are not CSV or JSON lines ({string.Join(", ", ignored.Take(3))})";
            }

            return (snapshot, outcome, r => r with { Data = snapshot });
        });

    /// <summary>
    /// Trains a candidate on exactly the snapshot's files and stages it, with its holdout rows, in the run's
    /// folder. Nothing staged is served.
    /// </summary>
    /// <exception cref="SnapshotChangedException">A training file changed since the snapshot.</exception>
    /// <exception cref="ModelDefinitionException">The definition does not fit the data.</exception>
    /// <exception cref="DataFormatException">The data is malformed.</exception>
    public Task<CandidateModel> TrainCandidateAsync(TrainCandidateInput input, CancellationToken cancellationToken = default) =>
        StepAsync<CandidateModel>(input.Run, RetrainingActivityNames.TrainCandidate, cancellationToken, async () =>
        {
            RunRef run = input.Run;
            StoredObject stagedDefinition = await _store.ReadAsync(input.Definition.Path, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The run's copy of the definition, '{input.Definition.Path}', is missing.");
            ModelDefinition definition = ModelDefinition.Parse(Encoding.UTF8.GetString(stagedDefinition.Content.Span));
            DataTable data = await TrainingDataReader.ReadAsync(_store, input.Data, definition.Features, cancellationToken).ConfigureAwait(false);

            var progress = new ReportingProgress(message => _progress.Report(run, $"{RetrainingActivityNames.TrainCandidate}: {message}"));
            DataFileInfo[] files = [.. input.Data.Files.Select(f => new DataFileInfo(f.Path, f.ETag, f.Size))];
            TrainingResult result = new ModelBuilder(_timeProvider).Train(definition, data, input.Data.Fingerprint, files, progress, cancellationToken);

            byte[] modelFile = result.Model.ToModelFile();
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(modelFile));
            string modelPath = RunPaths.Staged(run.Model, run.RunId, RunPaths.CandidateFileName);
            string holdoutPath = RunPaths.Staged(run.Model, run.RunId, RunPaths.HoldoutFileName);
            await _store.WriteAsync(holdoutPath, HoldoutRows.WriteRows(result.HoldoutRows), WriteCondition.None, cancellationToken).ConfigureAwait(false);
            await _store.WriteAsync(RunPaths.Staged(run.Model, run.RunId, RunPaths.HoldoutColumnsFileName), HoldoutRows.WriteColumns(result.HoldoutRows), WriteCondition.None, cancellationToken).ConfigureAwait(false);
            await _store.WriteAsync(modelPath, modelFile, WriteCondition.None, cancellationToken).ConfigureAwait(false);

            TrainingDataInfo rows = result.Model.Manifest.TrainingData;
            var candidate = new CandidateModel(modelPath, holdoutPath, sha256, modelFile.Length, rows.Rows, rows.TrainRows, rows.HoldoutRows, result.Holdout.Metrics);
            return (candidate,
                string.Create(CultureInfo.InvariantCulture, $"{FormatMetrics(result.Holdout.Metrics)} on {rows.HoldoutRows} held-out rows; {rows.TrainRows} rows trained on; candidate staged ({modelFile.Length:N0} bytes)"),
                r => r with { Candidate = new RunCandidateInfo(sha256, modelFile.Length, rows.Rows, rows.TrainRows, rows.HoldoutRows, result.Holdout.Metrics) });
        });

    /// <summary>
    /// Scores the staged candidate and the current production version, if any, on the staged holdout rows
    /// with the same evaluator. A champion that cannot be scored on them (its features no longer in the
    /// data, an unreadable file) is reported with a note and no metrics, and the gate judges the candidate
    /// on the minimum alone.
    /// </summary>
    /// <exception cref="InvalidOperationException">The staged files are missing or do not reproduce the candidate's training metrics.</exception>
    public Task<Evaluation> EvaluateChampionAsync(EvaluateInput input, CancellationToken cancellationToken = default) =>
        StepAsync<Evaluation>(input.Run, RetrainingActivityNames.EvaluateChampion, cancellationToken, async () =>
        {
            RunRef run = input.Run;
            ModelAliases aliases = await _registry.GetAliasesAsync(run.Model, cancellationToken).ConfigureAwait(false);
            string? championVersion = aliases.VersionOf(IModelResolver.ProductionAlias);
            DataTable holdout = await ReadHoldoutAsync(run, input.Candidate, cancellationToken).ConfigureAwait(false);

            TrainedModel candidate = TrainedModel.Load(await ReadStagedCandidateAsync(input.Candidate, cancellationToken).ConfigureAwait(false));
            IReadOnlyDictionary<string, double> candidateMetrics = ModelEvaluator.Evaluate(candidate, holdout, cancellationToken).Metrics;
            if (!SameMetrics(candidateMetrics, input.Candidate.Metrics))
            {
                throw new InvalidOperationException(
                    $"The staged holdout does not reproduce the candidate's own metrics ({FormatMetrics(candidateMetrics)} vs {FormatMetrics(input.Candidate.Metrics)} in training), so the comparison would not be like with like.");
            }

            (IReadOnlyDictionary<string, double>? championMetrics, string? note) = championVersion is null
                ? (null, null)
                : await ScoreChampionAsync(run.Model, championVersion, holdout, cancellationToken).ConfigureAwait(false);
            // Feedback on the champion, if there is enough, can lower the bar the candidate must clear (OnlineMetricsRule).
            var online = championVersion is null
                ? null
                : await Monitoring.OnlineMetricsReader.ReadAsync(_store, run.Model, championVersion, _timeProvider.GetUtcNow().AddDays(-30), cancellationToken).ConfigureAwait(false);
            var evaluation = new Evaluation(candidateMetrics, championVersion, championMetrics, note, online);
            string outcome = championVersion is null
                ? "no production version yet: the candidate would be the first"
                : championMetrics is null
                    ? $"champion version {championVersion} could not be scored: {note}"
                    : $"champion version {championVersion}: {FormatMetrics(championMetrics)} on the same {holdout.RowCount} rows";
            return (evaluation, outcome, r => r with { Champion = new RunChampionInfo(championVersion, championMetrics, note) });
        });

    /// <summary>
    /// Registers the staged candidate (idempotent: the same bytes are the same version), then points
    /// <c>production</c> at it by compare-and-swap from the champion the evaluation saw. If production moved
    /// during the run, it is not overwritten: the version stays registered and unpromoted, and the run says why.
    /// </summary>
    /// <exception cref="InvalidOperationException">The staged candidate is missing or changed.</exception>
    /// <exception cref="ModelFormatException">The staged candidate is not a complete, valid model file.</exception>
    public Task<PromotionResult> RegisterAndPromoteAsync(DecisionInput input, CancellationToken cancellationToken = default) =>
        StepAsync<PromotionResult>(input.Run, RetrainingActivityNames.RegisterAndPromote, cancellationToken, async () =>
        {
            RunRef run = input.Run;
            byte[] modelFile = await ReadStagedCandidateAsync(input.Candidate, cancellationToken).ConfigureAwait(false);

            // Loading checks the file whole (format, hash, predictor): only a complete, valid model is registered.
            TrainedModel model = TrainedModel.Load(modelFile);
            JsonElement manifest = JsonSerializer.SerializeToElement(model.Manifest, ModelManifest.JsonOptions);
            string by = $"retraining run {run.RunId}";
            ModelRegistration registration = await _registry.RegisterAsync(run.Model, modelFile, manifest, by, cancellationToken).ConfigureAwait(false);
            string version = registration.Version.Version;
            (bool promoted, string note) = await PromoteAsync(run.Model, version, input.ChampionVersion, new AliasChange(by, input.Decision.Reason), cancellationToken).ConfigureAwait(false);
            string registered = registration.Created ? $"registered version {version}" : $"identical to registered version {version}";
            var result = new PromotionResult(version, registration.Created, promoted, $"{registered}; {note}");
            return (result, result.Note, r => r with
            {
                Decision = input.Decision.Verdict,
                Reason = promoted ? input.Decision.Reason : $"{input.Decision.Reason}; but {note}",
                Version = version,
                Promoted = promoted,
            });
        });

    /// <summary>Records that the champion stays; changes nothing in the registry.</summary>
    public Task<PromotionResult> KeepChampionAsync(DecisionInput input, CancellationToken cancellationToken = default) =>
        StepAsync<PromotionResult>(input.Run, RetrainingActivityNames.KeepChampion, cancellationToken, () =>
        {
            string note = input.ChampionVersion is null
                ? "no version promoted; the model still has none in production"
                : $"production stays at version {input.ChampionVersion}";
            var result = new PromotionResult(input.ChampionVersion, false, false, note);
            return Task.FromResult((result, note, (Func<RetrainingRun, RetrainingRun>)(r => r with
            {
                Decision = input.Decision.Verdict,
                Reason = input.Decision.Reason,
                Version = input.ChampionVersion,
                Promoted = false,
            })));
        });

    /// <summary>
    /// Writes how the run ended, removes its staged files, prunes old runs and releases the model's lock,
    /// in that order: once the lock is free, the record is final.
    /// </summary>
    public async Task<RunOutcome> RecordRunAsync(RecordRunInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        RunRef run = input.Run;
        RunOutcome outcome = input.Outcome;
        await StepAsync<RunOutcome>(run, RetrainingActivityNames.RecordRun, cancellationToken, async () =>
        {
            try
            {
                await _runs.DeleteStagingAsync(run.Model, run.RunId, cancellationToken).ConfigureAwait(false);
                await _runs.PruneAsync(run.Model, _options.RunsToKeep, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                // Leftovers cost space, not correctness; the next run prunes again.
                RetrainingLog.TidyUpFailed(_logger, run.Model, run.RunId, e);
            }

            var finishedAt = new DateTimeOffset(DateTime.SpecifyKind(outcome.FinishedAtUtc, DateTimeKind.Utc));
            return (outcome, Summarize(outcome), (Func<RetrainingRun, RetrainingRun>)(r => Finish(r, outcome, finishedAt)));
        }).ConfigureAwait(false);

        await _locks.ReleaseAsync(run.Model, run.RunId, cancellationToken).ConfigureAwait(false);
        RetrainingLog.RunFinished(_logger, run.Model, run.RunId, outcome.Status, Summarize(outcome));
        return outcome;
    }

    internal static string Summarize(RunOutcome outcome) => outcome.Status switch
    {
        RunStatus.Succeeded when outcome.Promoted => $"promoted version {outcome.Version}",
        RunStatus.Succeeded when outcome.Decision?.Promote == true => $"registered version {outcome.Version}, not promoted",
        RunStatus.Succeeded => outcome.Version is null ? "kept: no version promoted" : $"kept version {outcome.Version}",
        _ => $"{outcome.Status.ToString().ToLowerInvariant()} in {outcome.FailedStep}: {outcome.Error}",
    };

    internal static string FormatMetrics(IReadOnlyDictionary<string, double> metrics) =>
        string.Join(", ", metrics.Select(m => $"{m.Key} {RetrainingGate.Format(m.Value)}"));

    private static RetrainingRun Finish(RetrainingRun run, RunOutcome outcome, DateTimeOffset finishedAt) => run with
    {
        Status = outcome.Status,
        FinishedAt = finishedAt,
        DurationSeconds = Math.Max(0, (finishedAt - run.StartedAt).TotalSeconds),
        Decision = run.Decision ?? outcome.Decision?.Verdict,
        Reason = run.Reason ?? outcome.Decision?.Reason,
        Version = outcome.Status == RunStatus.Succeeded ? outcome.Version : run.Version,
        Promoted = outcome.Promoted,
        Error = outcome.Error,
        FailedStep = outcome.FailedStep,
    };

    private async Task<(bool Promoted, string Note)> PromoteAsync(string model, string version, string? observedChampion, AliasChange change, CancellationToken cancellationToken)
    {
        const string Production = IModelResolver.ProductionAlias;
        for (int attempt = 1; ; attempt++)
        {
            ModelAliases aliases = await _registry.GetAliasesAsync(model, cancellationToken).ConfigureAwait(false);
            string? current = aliases.VersionOf(Production);
            if (current == version)
            {
                return (true, $"production points to version {version}");
            }

            if (current != observedChampion)
            {
                return (false, $"production moved from {Describe(observedChampion)} to {Describe(current)} while the run was evaluating, so it was not overwritten; version {version} is registered and can be promoted by hand");
            }

            try
            {
                // Compare-and-swap on the state just read, in which production is still the champion the gate compared
                // against; for a first promotion, the state in which the model has no aliases at all.
                await _registry.SetAliasAsync(model, Production, version, change, aliases.ETag ?? ModelRegistry.NoAliasesYet, cancellationToken).ConfigureAwait(false);
                return (true, $"production moved from {Describe(observedChampion)} to version {version}");
            }
            catch (PreconditionFailedException) when (attempt < 20)
            {
                // Some other alias change landed first; look again whether production is still the champion.
            }
        }
    }

    private static string Describe(string? version) => version is null ? "no version" : $"version {version}";

    private async Task<byte[]> ReadStagedCandidateAsync(CandidateModel candidate, CancellationToken cancellationToken)
    {
        StoredObject stored = await _store.ReadAsync(candidate.ModelPath, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The staged candidate '{candidate.ModelPath}' is missing.");
        byte[] bytes = stored.Content.ToArray();
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return sha256 == candidate.Sha256
            ? bytes
            : throw new InvalidOperationException($"The staged candidate '{candidate.ModelPath}' changed after training (SHA-256 {sha256}, trained {candidate.Sha256}).");
    }

    private async Task<DataTable> ReadHoldoutAsync(RunRef run, CandidateModel candidate, CancellationToken cancellationToken)
    {
        string columnsPath = RunPaths.Staged(run.Model, run.RunId, RunPaths.HoldoutColumnsFileName);
        StoredObject columns = await _store.ReadAsync(columnsPath, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The staged holdout '{columnsPath}' is missing.");
        Stream rows = await _store.OpenReadAsync(candidate.HoldoutPath, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The staged holdout '{candidate.HoldoutPath}' is missing.");
        await using (rows.ConfigureAwait(false))
        {
            return HoldoutRows.ReadRows(rows, HoldoutRows.ReadColumns(columns.Content.Span));
        }
    }

    private async Task<(IReadOnlyDictionary<string, double>? Metrics, string? Note)> ScoreChampionAsync(string model, string version, DataTable holdout, CancellationToken cancellationToken)
    {
        ModelVersionInfo? info = await _registry.GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        ReadOnlyMemory<byte>? file = info is null ? null : await _registry.ReadModelFileAsync(model, version, cancellationToken).ConfigureAwait(false);
        if (info is null || file is not { } bytes)
        {
            return (null, $"version {version} is not a complete registered version");
        }

        if (Convert.ToHexStringLower(SHA256.HashData(bytes.Span)) != info.Sha256)
        {
            return (null, $"version {version}'s model file does not match its registered SHA-256");
        }

        try
        {
            TrainedModel champion = TrainedModel.Load(bytes);
            return (ModelEvaluator.Evaluate(champion, holdout, cancellationToken).Metrics, null);
        }
        catch (Exception e) when (e is ModelFormatException or FeatureInputException or ModelDefinitionException or ArgumentException or KeyNotFoundException)
        {
            return (null, e.Message);
        }
    }

    private static bool SameMetrics(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b) =>
        a.Count == b.Count && a.All(m => b.TryGetValue(m.Key, out double other) && (m.Value.Equals(other) || Math.Abs(m.Value - other) <= 1e-12 * Math.Max(1, Math.Abs(other))));

    /// <summary>Runs one activity's work, recording its step (start, attempts, outcome or error, timing) in the run record.</summary>
    private async Task<T> StepAsync<T>(RunRef run, string step, CancellationToken cancellationToken, Func<Task<(T Result, string Outcome, Func<RetrainingRun, RetrainingRun> Apply)>> work)
    {
        ArgumentNullException.ThrowIfNull(run);
        DateTimeOffset started = _timeProvider.GetUtcNow();
        await _runs.UpdateAsync(run.Model, run.RunId, r => RunSteps.Started(r, step, started), cancellationToken).ConfigureAwait(false);
        _progress.Report(run, $"{step} ...");

        (T Result, string Outcome, Func<RetrainingRun, RetrainingRun> Apply) done;
        try
        {
            done = await work().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _progress.Report(run, $"{step} failed: {e.Message}");
            try
            {
                await _runs.UpdateAsync(run.Model, run.RunId, r => RunSteps.Failed(r, step, _timeProvider.GetUtcNow(), e.Message), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception recordError) when (recordError is not OperationCanceledException)
            {
                // The original failure matters more; the orchestration records the run's end separately.
                RetrainingLog.RecordingFailed(_logger, run.Model, run.RunId, recordError);
            }

            throw;
        }

        DateTimeOffset finished = _timeProvider.GetUtcNow();
        await _runs.UpdateAsync(run.Model, run.RunId, r => done.Apply(RunSteps.Succeeded(r, step, finished, done.Outcome)), cancellationToken).ConfigureAwait(false);
        _progress.Report(run, string.Create(CultureInfo.InvariantCulture, $"{step} done in {(finished - started).TotalSeconds:0.###} s: {done.Outcome}"));
        return done.Result;
    }

    /// <summary>Forwards progress synchronously, on the reporting thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class ReportingProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
