using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>The true label (or value) of one logged prediction's row.</summary>
/// <param name="Row">The row of a batch request; 0 for a one-row request.</param>
/// <param name="Label">A class name (string or number) for classifiers, a number for regressors.</param>
public sealed record FeedbackItem(string RequestId, int Row, JsonElement Label);

/// <summary>What feedback did.</summary>
public sealed record FeedbackResult(string Model, int Accepted, IReadOnlyList<FeedbackRowResult> Results);

/// <summary>One row's feedback joined to its prediction.</summary>
/// <param name="Predicted">The label or value the version answered.</param>
/// <param name="Label">The true label or value, as the model knows it.</param>
/// <param name="Correct">Classifiers: whether the prediction was right.</param>
/// <param name="Error">Regressors: predicted − actual.</param>
public sealed record FeedbackRowResult(string RequestId, int Row, string Version, object? Predicted, object? Label, bool? Correct, double? Error);

/// <summary>Feedback that cannot be applied; nothing of the request was applied.</summary>
/// <param name="statusCode">404 unknown request id, 400 a bad field, 409 already given or the version is gone.</param>
public sealed class FeedbackException(int statusCode, string message, IReadOnlyDictionary<string, string[]>? errors = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Field path → problems, for 400s.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
}

/// <summary>
/// Joins true labels to logged predictions: updates each version's online accuracy (or error), and queues
/// the labelled row (the model's inputs + its label) for <c>training/&lt;name&gt;/</c> and the joined record for
/// <c>logs/&lt;name&gt;/feedback/</c>, both written by <see cref="FlushAsync"/> as new small files.
/// </summary>
public sealed class FeedbackService
{
    private readonly PredictionLog _log;
    private readonly IModelResolver _resolver;
    private readonly ModelMonitor _monitor;
    private readonly IObjectStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<(string Model, byte[] Line)> _trainingLines = new();
    private readonly ConcurrentQueue<(string Model, byte[] Line)> _feedbackLines = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private long _sequence;

    public FeedbackService(PredictionLog log, IModelResolver resolver, ModelMonitor monitor, IObjectStore store, TimeProvider? timeProvider = null, ILogger<FeedbackService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(store);
        _log = log;
        _resolver = resolver;
        _monitor = monitor;
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Training rows waiting to be written.</summary>
    public int PendingTrainingRows => _trainingLines.Count;

    /// <summary>Applies feedback for several rows: all of it, or (on any problem) none of it.</summary>
    /// <param name="isBatch">Whether errors name fields as <c>[i].label</c> (a batch) or <c>label</c> (one item).</param>
    /// <exception cref="FeedbackException">An unknown request id (404), a bad row or label (400), or feedback already given (409).</exception>
    public async Task<FeedbackResult> SubmitAsync(string model, IReadOnlyList<FeedbackItem> items, bool isBatch, CancellationToken cancellationToken = default)
    {
        RegistryNames.ValidateModel(model, "name");
        ArgumentNullException.ThrowIfNull(items);
        string Field(int i, string name) => isBatch ? $"[{i}].{name}" : name;
        if (items.Count == 0 || items.Count > _monitor.Options.FeedbackMaxItems)
        {
            throw new FeedbackException(400, $"Send 1 to {_monitor.Options.FeedbackMaxItems} feedback items per request, not {items.Count}.", new Dictionary<string, string[]> { ["$"] = ["Too many or no items."] });
        }

        var logged = new LoggedPrediction?[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            logged[i] = await _log.FindAsync(model, items[i].RequestId, cancellationToken).ConfigureAwait(false);
        }

        var unknown = items.Where((item, i) => logged[i] is null).Select(item => $"'{item.RequestId}'").Distinct().ToList();
        if (unknown.Count > 0)
        {
            var o = _monitor.Options;
            throw new FeedbackException(404,
                $"No logged prediction of model '{model}' has request id {string.Join(", ", unknown)}. Use the id a prediction answered with (its \"id\" field or x-request-id header); " +
                $"predictions are logged at a sampling rate of {o.PredictionLogSampleRate.ToString(CultureInfo.InvariantCulture)}, bodies up to {o.PredictionLogMaxBodyBytes} bytes, and kept for feedback for {o.FeedbackLookback.TotalHours.ToString(CultureInfo.InvariantCulture)} hours.");
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var plans = new List<Plan>(items.Count);
        var seen = new HashSet<(string, int)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var entry = logged[i]!;
            if (item.Row < 0 || item.Row >= entry.RowCount)
            {
                errors[Field(i, "row")] = [entry.RowCount == 1
                    ? $"Request '{item.RequestId}' had one row; leave out \"row\" or send 0, not {item.Row}."
                    : $"Request '{item.RequestId}' had {entry.RowCount} rows (0 to {entry.RowCount - 1}); {item.Row} is not one of them."];
                continue;
            }

            ServedModel served;
            try
            {
                served = await _resolver.ResolveAsync(model, entry.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ModelNotFoundException or ModelNotReadyException)
            {
                throw new FeedbackException(409, $"Request '{item.RequestId}' was answered by version {entry.Version}, which can no longer be loaded ({e.Message}); its feedback cannot be checked.");
            }

            if (ReadLabel(served.Model.Manifest, item.Label, out var problem) is not { } label)
            {
                errors[Field(i, "label")] = [problem!];
                continue;
            }

            if (entry.IsLabelled(item.Row) || !seen.Add((item.RequestId, item.Row)))
            {
                throw new FeedbackException(409, $"Row {item.Row} of request '{item.RequestId}' already has feedback; each prediction is counted once.");
            }

            plans.Add(new Plan(item, entry, served, label));
        }

        if (errors.Count > 0)
        {
            throw new FeedbackException(400, $"The feedback is invalid: {string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}"))}", errors);
        }

        var results = new List<FeedbackRowResult>(plans.Count);
        foreach (var plan in plans)
        {
            if (!plan.Entry.TryMarkLabelled(plan.Item.Row))
            {
                continue; // A concurrent request gave it first; it is counted once.
            }

            results.Add(Apply(model, plan));
        }

        MonitoringLog.FeedbackJoined(_logger, model, results.Count, string.Join(", ", results.GroupBy(r => r.Version).Select(g => $"version {g.Key}: {g.Count()}")));
        return new FeedbackResult(model, results.Count, results);
    }

    /// <summary>Writes queued training rows and feedback records to the store, one new file per model and kind.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushQueueAsync(_trainingLines, MonitoringPaths.TrainingChunk, cancellationToken).ConfigureAwait(false);
            await FlushQueueAsync(_feedbackLines, MonitoringPaths.FeedbackChunk, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private FeedbackRowResult Apply(string model, Plan plan)
    {
        var (item, entry, served, label) = plan;
        var manifest = served.Model.Manifest;
        var outputs = entry.OutputsOf(item.Row);
        var online = _monitor.OnlineOf(served);
        FeedbackRowResult result;
        double? probability = null;
        if (manifest.Task == ModelTask.Regression)
        {
            var predicted = (double)outputs[0];
            var error = predicted - label.Value!.Value;
            online.AddValue(error);
            _monitor.RecordFeedbackMetric(model, entry.Version, "value");
            result = new FeedbackRowResult(item.RequestId, item.Row, entry.Version, predicted, label.Value, null, error);
        }
        else
        {
            var classes = manifest.ClassLabels!;
            var predicted = outputs.Length == classes.Count ? classes[ClassificationMetrics.ArgMax(outputs)] : null;
            var correct = predicted == label.Class;
            var trueIndex = IndexOf(classes, label.Class!);
            probability = outputs.Length == classes.Count && trueIndex >= 0 ? outputs[trueIndex] : null;
            online.AddClass(correct, probability);
            _monitor.RecordFeedbackMetric(model, entry.Version, correct ? "correct" : "wrong");
            result = new FeedbackRowResult(item.RequestId, item.Row, entry.Version, predicted, label.Class, correct, null);
        }

        _trainingLines.Enqueue((model, TrainingLine(manifest, entry.RowAt(item.Row), label)));
        _feedbackLines.Enqueue((model, FeedbackLine(entry, result, probability)));
        return result;
    }

    private async Task FlushQueueAsync(ConcurrentQueue<(string Model, byte[] Line)> queue, Func<string, DateTimeOffset, string, long, string> pathOf, CancellationToken cancellationToken)
    {
        var batch = new List<(string Model, byte[] Line)>();
        while (queue.TryDequeue(out var line))
        {
            batch.Add(line);
        }

        var chunks = batch.GroupBy(l => l.Model, StringComparer.Ordinal)
            .SelectMany(group => group.Chunk(_monitor.Options.MaxLinesPerChunk))
            .ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            var model = chunk[0].Model;
            var buffer = new ArrayBufferWriter<byte>();
            foreach (var (_, line) in chunk)
            {
                buffer.Write(line);
                buffer.Write("\n"u8);
            }

            var path = pathOf(model, _timeProvider.GetUtcNow(), _log.InstanceId, Interlocked.Increment(ref _sequence));
            try
            {
                await _store.WriteAsync(path, buffer.WrittenMemory, WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or PreconditionFailedException or UnauthorizedAccessException)
            {
                // Put the lines back for the next flush: feedback is rare and worth keeping.
                Requeue(queue, chunk);
                MonitoringLog.FlushFailed(_logger, model, path, chunk.Length, e);
            }
            catch (OperationCanceledException)
            {
                // Cancelled mid-flush (the host stopping): this chunk and the ones not yet written go back, for the final flush.
                foreach (var unwritten in chunks.Skip(i))
                {
                    Requeue(queue, unwritten);
                }

                throw;
            }
        }
    }

    private static void Requeue(ConcurrentQueue<(string Model, byte[] Line)> queue, (string Model, byte[] Line)[] chunk)
    {
        foreach (var line in chunk)
        {
            queue.Enqueue(line);
        }
    }

    /// <summary>The row as training data: exactly the model's inputs, in schema order, and its label column.</summary>
    private static byte[] TrainingLine(ModelManifest manifest, JsonElement row, Label label)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var input in manifest.Inputs)
            {
                writer.WritePropertyName(input.Name);
                if (row.TryGetProperty(input.Name, out var value))
                {
                    value.WriteTo(writer);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WritePropertyName(manifest.Label);
            WriteLabel(writer, label);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private byte[] FeedbackLine(LoggedPrediction entry, FeedbackRowResult result, double? probability)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("requestId", entry.RequestId);
            writer.WriteNumber("row", result.Row);
            writer.WriteString("version", entry.Version);
            writer.WriteString("predictedAt", entry.At);
            writer.WriteString("at", _timeProvider.GetUtcNow());
            switch (result.Predicted)
            {
                case string text:
                    writer.WriteString("predicted", text);
                    break;
                case double value:
                    writer.WriteNumber("predicted", value);
                    break;
                default:
                    writer.WriteNull("predicted");
                    break;
            }

            if (result.Label is string labelText)
            {
                writer.WriteString("label", labelText);
            }
            else if (result.Label is double labelValue)
            {
                writer.WriteNumber("label", labelValue);
            }

            if (result.Correct is { } correct)
            {
                writer.WriteBoolean("correct", correct);
            }

            if (probability is { } p && double.IsFinite(p))
            {
                writer.WriteNumber("probability", p);
            }

            if (result.Error is { } error)
            {
                writer.WriteNumber("error", error);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteLabel(Utf8JsonWriter writer, Label label)
    {
        if (label.Value is { } value)
        {
            writer.WriteNumberValue(value);
        }
        else if (double.TryParse(label.Class, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && IsJsonNumber(label.Class!))
        {
            // Classes learnt from a numeric column stay numbers, so the file's column reads as the training data's.
            writer.WriteRawValue(label.Class!);
        }
        else
        {
            writer.WriteStringValue(label.Class);
        }
    }

    /// <summary>Reads a label as the model's task needs it; null with a reason naming what is wrong.</summary>
    internal static Label? ReadLabel(ModelManifest manifest, JsonElement label, out string? problem)
    {
        problem = null;
        if (manifest.Task == ModelTask.Regression)
        {
            if (label.ValueKind == JsonValueKind.Number && label.TryGetDouble(out var value) && double.IsFinite(value))
            {
                return new Label(null, value);
            }

            problem = $"Model '{manifest.Name}' is a regression model: the label must be a number, not {Describe(label)}.";
            return null;
        }

        var classes = manifest.ClassLabels ?? [];
        string? text = label.ValueKind switch
        {
            JsonValueKind.String => label.GetString()!.Trim(),
            JsonValueKind.Number => label.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        if (text is null)
        {
            problem = $"The label must be one of the classes ({string.Join(", ", classes)}) as a string or number, not {Describe(label)}.";
            return null;
        }

        var match = classes.FirstOrDefault(c => string.Equals(c, text, StringComparison.Ordinal))
            ?? (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? classes.FirstOrDefault(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n == number)
                : null)
            ?? label.ValueKind switch
            {
                JsonValueKind.True => classes.FirstOrDefault(c => c == "1"),
                JsonValueKind.False => classes.FirstOrDefault(c => c == "0"),
                _ => null,
            };
        if (match is null)
        {
            problem = $"'{text}' is not a class of model '{manifest.Name}'; its classes are {string.Join(", ", classes)}.";
            return null;
        }

        return new Label(match, null);
    }

    private static bool IsJsonNumber(string text)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text));
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.Number && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static int IndexOf(IReadOnlyList<string> classes, string label)
    {
        for (var i = 0; i < classes.Count; i++)
        {
            if (classes[i] == label)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "missing",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    /// <summary>A checked label: a class name (classifiers) or a value (regressors).</summary>
    internal sealed record Label(string? Class, double? Value);

    private sealed record Plan(FeedbackItem Item, LoggedPrediction Entry, ServedModel Served, Label Label);
}
