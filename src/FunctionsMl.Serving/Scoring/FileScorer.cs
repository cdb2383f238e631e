using System.Diagnostics;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Scoring;

/// <summary>What became of an input.</summary>
public enum FileScoringStatus
{
    /// <summary>This call scored it; the outputs and summary are committed.</summary>
    Scored,

    /// <summary>This version of the input had been scored before (a repeated trigger); nothing was redone.</summary>
    AlreadyScored,

    /// <summary>This call found it unscorable and moved it to <c>failed/</c> with a report.</summary>
    Failed,

    /// <summary>This version of the input had been failed before; nothing was redone.</summary>
    AlreadyFailed,

    /// <summary>There is no such input (any more): handled and removed earlier, or deleted by someone.</summary>
    NotFound,
}

/// <summary>The outcome of <see cref="FileScorer.ScoreAsync"/>.</summary>
/// <param name="Summary">For <see cref="FileScoringStatus.Scored"/> and <see cref="FileScoringStatus.AlreadyScored"/>.</param>
/// <param name="Error">For <see cref="FileScoringStatus.Failed"/> and <see cref="FileScoringStatus.AlreadyFailed"/>.</param>
public sealed record FileScoringResult(FileScoringStatus Status, string Input, ScoringSummary? Summary = null, ScoringErrorReport? Error = null);

/// <summary>The outcome of <see cref="FileScorer.ScoreLocalFileAsync"/>.</summary>
/// <param name="RejectedOutput">The rejected-rows file, or null when every row was scored.</param>
public sealed record LocalScoringResult(string Model, string Version, string Output, string? RejectedOutput, ScoringCounts Counts, TimeSpan Elapsed);

/// <summary>
/// Scores files dropped at <c>incoming/&lt;model&gt;/&lt;path&gt;</c> with the model's production version: the one
/// method behind the Azure blob trigger and the local watcher.
/// </summary>
/// <remarks>
/// <para>
/// Outputs (see <see cref="ScoringPaths"/>): <c>scored/&lt;model&gt;/&lt;path&gt;</c>, the input's columns as written
/// plus <c>prediction</c>, <c>probability_&lt;class&gt;</c> per class and <c>model_version</c>, in the input's format;
/// <c>.rejected.csv</c> beside it when rows could not be scored; <c>.summary.json</c> last, as the commit marker.
/// Each object is written atomically by the store (the output is streamed into the store's temporary object), so
/// no reader ever sees half a file. An input that cannot be scored at all is copied to <c>failed/</c> with an
/// <c>.error.json</c> report.
/// </para>
/// <para>
/// Exactly once in effect: the summary and the error report record the input's ETag, so a repeated trigger for the
/// same upload finds its outcome and does nothing; a claim object (<see cref="FileLease"/>) keeps concurrent triggers
/// from scoring at the same time (the second waits for the first's outcome); a scorer killed mid-file committed
/// nothing, and the next one takes over when its claim expires and scores the file from the start.
/// </para>
/// <para>
/// The input is deleted from <c>incoming/</c> once its outcome is committed (unless
/// <see cref="FileScoringOptions.DeleteInput"/> is off), only if it is still the version that was scored: a file
/// replaced meanwhile is scored again.
/// </para>
/// <para>
/// Errors: whatever would fail again on retry (no model folder, unknown format, unknown model, no production
/// version, unreadable data, missing columns) ends in <c>failed/</c> and the call returns normally; anything else
/// (store I/O, cancellation) is thrown with nothing committed, so the trigger's retry redoes the file.
/// </para>
/// </remarks>
public sealed class FileScorer
{
    private readonly IObjectStore _store;
    private readonly IModelResolver _resolver;
    private readonly TimeProvider _time;
    private readonly FileScoringOptions _options;
    private readonly ILogger _logger;
    private readonly TimeSpan _waitInterval;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FileScorer(IObjectStore store, IModelResolver resolver, TimeProvider timeProvider, FileScoringOptions? options = null, ILogger<FileScorer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options ?? new FileScoringOptions();
        _options.Validate();
        _store = store;
        _resolver = resolver;
        _time = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _waitInterval = TimeSpan.FromMilliseconds(Math.Clamp(_options.LeaseDuration.TotalMilliseconds / 10, 50, 1000));
    }

    /// <summary>
    /// Scores the input at <paramref name="inputPath"/> (<c>incoming/&lt;model&gt;/&lt;path&gt;</c>), or sets it aside in
    /// <c>failed/</c>, or finds that was done already. Returns once the input's outcome is committed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inputPath"/> is not a store path under <c>incoming/</c>.</exception>
    /// <exception cref="IOException">The store failed; nothing was committed, so calling again redoes the work.</exception>
    public async Task<FileScoringResult> ScoreAsync(string inputPath, CancellationToken cancellationToken = default)
    {
        var input = IncomingFile.Parse(inputPath);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var eTag = await _store.GetETagAsync(input.Path, cancellationToken).ConfigureAwait(false);
            if (eTag is null)
            {
                ScoringLog.InputGone(_logger, input.Path);
                return new FileScoringResult(FileScoringStatus.NotFound, input.Path);
            }

            var result = await FindOutcomeAsync(input, eTag, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                ScoringLog.AlreadyHandled(_logger, input.Path, eTag);
            }
            else
            {
                await using var lease = await FileLease.TryAcquireAsync(
                    _store, _time, ScoringPaths.Lease(input.RelativePath), eTag, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
                if (lease is null)
                {
                    ScoringLog.WaitingForOtherScorer(_logger, input.Path);
                    await Task.Delay(_waitInterval, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // The previous holder may have committed between the look above and the claim.
                result = await FindOutcomeAsync(input, eTag, cancellationToken).ConfigureAwait(false)
                    ?? await ScoreOrFailAsync(input, eTag, lease, cancellationToken).ConfigureAwait(false);
                if (result is null)
                {
                    ScoringLog.LeaseLost(_logger, input.Path);
                    continue;
                }
            }

            // Only the version just handled is removed; one uploaded meanwhile goes round the loop and is scored too.
            if (await RemoveInputAsync(input, eTag, cancellationToken).ConfigureAwait(false))
            {
                return result;
            }

            ScoringLog.InputReplaced(_logger, input.Path);
        }
    }

    /// <summary>
    /// Scores a local file into another with the model's production version, outside the store's <c>incoming/</c>
    /// and <c>scored/</c> folders (the CLI's <c>score</c> verb). Same formats and rules as <see cref="ScoreAsync"/>;
    /// rejected rows go to <c>&lt;output&gt;.rejected.csv</c>. Each output file appears whole (written beside, then renamed).
    /// </summary>
    /// <exception cref="UnscorableFileException">The file cannot be scored at all; nothing was written.</exception>
    /// <exception cref="FileNotFoundException">The input does not exist.</exception>
    public async Task<LocalScoringResult> ScoreLocalFileAsync(string model, string inputFile, string outputFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputFile);
        ArgumentNullException.ThrowIfNull(outputFile);
        var started = Stopwatch.GetTimestamp();
        var input = new IncomingFile(inputFile, Path.GetFileName(inputFile), model);
        var format = FormatOf(input);
        if (DataFormats.TryFromPath(outputFile, out var outputFormat) && outputFormat != format)
        {
            throw new UnscorableFileException(ScoringFailureKind.UnsupportedFormat, $"The output '{outputFile}' must have the input's format ({format}): scoring keeps the format.");
        }

        var served = await ResolveAsync(input, cancellationToken).ConfigureAwait(false);
        var content = new FileStream(inputFile, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var rejects = new RejectedRows();
        ScoringCounts counts;
        using (var reader = OpenReader(content, format, served))
        {
            await using var pipeline = new ScoringPipeline(reader, format, served.Model, served.Version, rejects, _options);
            pipeline.Start(cancellationToken);
            await WriteLocalFileAsync(outputFile, new ScoredOutputStream(pipeline), cancellationToken).ConfigureAwait(false);
            counts = pipeline.Counts;
        }

        var rejectedFile = outputFile + ScoringPaths.RejectedSuffix;
        if (rejects.Rewind() is { } rejected)
        {
            await WriteLocalFileAsync(rejectedFile, rejected, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            File.Delete(rejectedFile);
        }

        return new LocalScoringResult(served.Name, served.Version, outputFile, counts.Rejected > 0 ? rejectedFile : null, counts, Stopwatch.GetElapsedTime(started));
    }

    /// <returns>The outcome, or null when the claim was lost part way (another scorer redoes the file).</returns>
    private async Task<FileScoringResult?> ScoreOrFailAsync(IncomingFile input, string eTag, FileLease lease, CancellationToken cancellationToken)
    {
        using var scope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        try
        {
            try
            {
                return await ScoreCoreAsync(input, eTag, lease, scope.Token).ConfigureAwait(false);
            }
            catch (UnscorableFileException ex)
            {
                return await FailAsync(input, eTag, lease, ex, scope.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is LeaseLostException || (ex is OperationCanceledException && lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    private async Task<FileScoringResult> ScoreCoreAsync(IncomingFile input, string eTag, FileLease lease, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var format = FormatOf(input);
        var served = await ResolveAsync(input, cancellationToken).ConfigureAwait(false);
        var content = await _store.OpenReadAsync(input.Path, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return new FileScoringResult(FileScoringStatus.NotFound, input.Path);
        }

        using var rejects = new RejectedRows();
        var output = ScoringPaths.Scored(input.RelativePath);
        ScoringCounts counts;
        using (var reader = OpenReader(content, format, served))
        {
            await using var pipeline = new ScoringPipeline(reader, format, served.Model, served.Version, rejects, _options);
            pipeline.Start(cancellationToken);
            await _store.WriteAsync(output, new ScoredOutputStream(pipeline), WriteCondition.None, cancellationToken).ConfigureAwait(false);
            counts = pipeline.Counts;
        }

        lease.EnsureHeld();
        var rejectedPath = ScoringPaths.Rejected(input.RelativePath);
        if (rejects.Rewind() is { } rejected)
        {
            await _store.WriteAsync(rejectedPath, rejected, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A file of the same name scored before may have left one; the summary must not sit beside a stale one.
            await _store.DeleteAsync(rejectedPath, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        }

        var summary = new ScoringSummary
        {
            Input = input.Path,
            InputETag = eTag,
            Model = served.Name,
            Version = served.Version,
            Format = format == DataFormat.Csv ? "csv" : "jsonl",
            Output = output,
            RejectedOutput = counts.Rejected > 0 ? rejectedPath : null,
            Rows = counts.Rows,
            Scored = counts.Scored,
            Rejected = counts.Rejected,
            StartedAt = startedAt,
            FinishedAt = _time.GetUtcNow(),
        };
        lease.EnsureHeld();
        await _store.WriteAsync(
            ScoringPaths.Summary(input.RelativePath),
            JsonSerializer.SerializeToUtf8Bytes(summary, ScoringJsonContext.Default.ScoringSummary),
            WriteCondition.None,
            cancellationToken).ConfigureAwait(false);
        ScoringLog.FileScored(_logger, input.Path, served.Name, served.Version, counts.Rows, counts.Scored, counts.Rejected, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new FileScoringResult(FileScoringStatus.Scored, input.Path, Summary: summary);
    }

    private async Task<FileScoringResult> FailAsync(IncomingFile input, string eTag, FileLease lease, UnscorableFileException failure, CancellationToken cancellationToken)
    {
        var failedCopy = ScoringPaths.Failed(input.RelativePath);
        var content = await _store.OpenReadAsync(input.Path, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return new FileScoringResult(FileScoringStatus.NotFound, input.Path);
        }

        await using (content.ConfigureAwait(false))
        {
            await _store.WriteAsync(failedCopy, content, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        }

        var report = new ScoringErrorReport
        {
            Input = input.Path,
            InputETag = eTag,
            Model = input.Model,
            FailedCopy = failedCopy,
            Kind = failure.Kind,
            Reason = failure.Reason,
            LineNumber = failure.LineNumber,
            FailedAt = _time.GetUtcNow(),
        };
        lease.EnsureHeld();
        await _store.WriteAsync(
            ScoringPaths.Error(input.RelativePath),
            JsonSerializer.SerializeToUtf8Bytes(report, ScoringJsonContext.Default.ScoringErrorReport),
            WriteCondition.None,
            cancellationToken).ConfigureAwait(false);
        ScoringLog.FileFailed(_logger, input.Path, failure.Kind, failure.Message, failedCopy);
        return new FileScoringResult(FileScoringStatus.Failed, input.Path, Error: report);
    }

    /// <summary>The committed outcome for this version of the input, if there is one.</summary>
    private async Task<FileScoringResult?> FindOutcomeAsync(IncomingFile input, string eTag, CancellationToken cancellationToken)
    {
        var summary = await ReadAsync(ScoringPaths.Summary(input.RelativePath), ScoringJsonContext.Default.ScoringSummary, cancellationToken).ConfigureAwait(false);
        if (summary?.InputETag == eTag)
        {
            return new FileScoringResult(FileScoringStatus.AlreadyScored, input.Path, Summary: summary);
        }

        var error = await ReadAsync(ScoringPaths.Error(input.RelativePath), ScoringJsonContext.Default.ScoringErrorReport, cancellationToken).ConfigureAwait(false);
        return error?.InputETag == eTag ? new FileScoringResult(FileScoringStatus.AlreadyFailed, input.Path, Error: error) : null;
    }

    /// <returns>False when the input was replaced by a new version, which still needs scoring.</returns>
    private async Task<bool> RemoveInputAsync(IncomingFile input, string eTag, CancellationToken cancellationToken)
    {
        if (!_options.DeleteInput)
        {
            return true;
        }

        try
        {
            await _store.DeleteAsync(input.Path, WriteCondition.IfMatch(eTag), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PreconditionFailedException)
        {
            // Gone (another scorer of the same version removed it) or replaced (a new upload).
            return await _store.GetETagAsync(input.Path, cancellationToken).ConfigureAwait(false) is null;
        }
    }

    private static async Task WriteLocalFileAsync(string file, Stream content, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(file);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():n}.tmp");
        try
        {
            var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static DataFormat FormatOf(IncomingFile input)
    {
        if (input.Model is null)
        {
            throw new UnscorableFileException(
                ScoringFailureKind.NoModelFolder,
                $"The file is not in a model's folder: put it at '{ScoringPaths.IncomingPrefix}<model>/{input.RelativePath}' to score it with that model.");
        }

        return DataFormats.TryFromPath(input.Path, out var format)
            ? format
            : throw new UnscorableFileException(
                ScoringFailureKind.UnsupportedFormat,
                $"Cannot tell the data format from the extension '{Path.GetExtension(input.Path)}'. Use .csv for CSV, or .jsonl, .ndjson or .json for JSON lines.");
    }

    private async Task<ServedModel> ResolveAsync(IncomingFile input, CancellationToken cancellationToken)
    {
        try
        {
            return await _resolver.ResolveAsync(input.Model!, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException ex)
        {
            throw new UnscorableFileException(ScoringFailureKind.UnknownModel, $"There is no model '{input.Model}' to score with. {ex.Message}", innerException: ex);
        }
        catch (ArgumentException ex)
        {
            throw new UnscorableFileException(ScoringFailureKind.UnknownModel, $"'{input.Model}' is not a model name: {ex.Message}", innerException: ex);
        }
        catch (ModelNotReadyException ex)
        {
            throw new UnscorableFileException(ScoringFailureKind.ModelNotReady, ex.Message, innerException: ex);
        }
    }

    private static IRecordReader OpenReader(Stream content, DataFormat format, ServedModel served)
    {
        try
        {
            return DataFormats.CreateReader(content, format, served.Model.Pipeline.Inputs.Select(input => input.Name));
        }
        catch (DataFormatException ex)
        {
            throw new UnscorableFileException(ScoringFailureKind.UnreadableData, ex.Reason, ex.LineNumber, ex);
        }
    }

    private async Task<T?> ReadAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var stored = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(stored.Content.Span, type);
        }
        catch (JsonException)
        {
            return null; // Not ours to trust; scoring again overwrites it.
        }
    }
}
