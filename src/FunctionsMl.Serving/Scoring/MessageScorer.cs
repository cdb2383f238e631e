using System.Buffers;
using System.Text;
using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// Scores one request message: the one method behind the Azure queue trigger and the local queue worker.
/// </summary>
/// <remarks>
/// <para>Request: <c>{"id": "r-1", "model": "iris", "instances": [{...}, ...]}</c>.</para>
/// <para>
/// Result, correlated by <c>id</c>: <c>{"id": "r-1", "model": "iris", "version": "3", "predictions": [...]}</c>, each
/// prediction in the native API's shape (<c>label</c> and <c>probabilities</c>, or <c>value</c>). Rows that do not fit
/// the model's inputs give an error result instead, so the sender learns why:
/// <c>{"id", "model", "version", "error": {"message", "errors": {"instances[2].sepal_length": ["..."]}}}</c>.
/// </para>
/// <para>
/// Failures: a message that is not JSON, lacks a string <c>id</c> or <c>model</c> or a non-empty array of objects in
/// <c>instances</c>, has more rows than <see cref="FunctionsMlOptions.MaxBatchRows"/>, or names a model that does not
/// exist throws <see cref="PoisonMessageException"/>: set it aside at once. A model with no production version yet
/// (<see cref="ModelNotReadyException"/>) and store errors are thrown as they are, for the queue to retry.
/// </para>
/// </remarks>
public sealed class MessageScorer
{
    private readonly IModelResolver _resolver;
    private readonly FunctionsMlOptions _options;
    private readonly ILogger _logger;

    public MessageScorer(IModelResolver resolver, FunctionsMlOptions? options = null, ILogger<MessageScorer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _options = options ?? new FunctionsMlOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Scores the request in <paramref name="messageText"/>.</summary>
    /// <returns>The result message text (JSON).</returns>
    /// <exception cref="PoisonMessageException">The message can never be scored; the message says why.</exception>
    /// <exception cref="ModelNotReadyException">The model has no production version yet; retry later.</exception>
    public async Task<string> ScoreAsync(string messageText, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        using var document = Parse(messageText);
        var (id, model, instances) = ReadRequest(document.RootElement);

        ServedModel served;
        try
        {
            served = await _resolver.ResolveAsync(model, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException ex)
        {
            throw new PoisonMessageException($"Message '{id}' names model '{model}', which does not exist. {ex.Message}", ex);
        }

        var rows = PredictionRows.From(Batch(instances), _options.MaxBatchRows);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            try
            {
                var outputs = RowScorer.Score(served.Model, rows, _options.AllowUnknownFields);
                PredictionJson.WriteResponse(writer, id, served.Name, served.Version, served.Model.Manifest, isBatch: true, outputs);
                ScoringLog.MessageScored(_logger, id, served.Name, served.Version, rows.Rows.Count);
            }
            catch (PredictionInputException ex)
            {
                WriteError(writer, id, served, ex);
                ScoringLog.MessageRowsRejected(_logger, id, served.Name);
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static JsonDocument Parse(string messageText)
    {
        try
        {
            return JsonDocument.Parse(messageText);
        }
        catch (JsonException ex)
        {
            // The parser's message ends with its own position format ("LineNumber: 0 | BytePositionInLine: 3."); the reason does not need it.
            var reason = ex.Message.Split(" LineNumber:", 2)[0];
            throw new PoisonMessageException($"The message is not valid JSON: {reason}", ex);
        }
    }

    private (string Id, string Model, JsonElement Instances) ReadRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new PoisonMessageException("The message must be a JSON object: {\"id\": \"...\", \"model\": \"...\", \"instances\": [{...}]}.");
        }

        var id = RequiredString(root, "id", null);
        var model = RequiredString(root, "model", id);
        try
        {
            RegistryNames.ValidateModel(model);
        }
        catch (ArgumentException ex)
        {
            throw new PoisonMessageException($"Message '{id}': {ex.Message}", ex);
        }

        if (!root.TryGetProperty("instances", out var instances) || instances.ValueKind != JsonValueKind.Array)
        {
            throw new PoisonMessageException($"Message '{id}' has no \"instances\" array of rows to score.");
        }

        var count = instances.GetArrayLength();
        if (count == 0 || count > _options.MaxBatchRows)
        {
            throw new PoisonMessageException($"Message '{id}' has {count} instances; send 1 to {_options.MaxBatchRows}.");
        }

        var index = 0;
        foreach (var row in instances.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
            {
                throw new PoisonMessageException($"Message '{id}': instances[{index}] is not a JSON object of feature values.");
            }

            index++;
        }

        return (id, model, instances);
    }

    private static string RequiredString(JsonElement root, string name, string? id)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        var which = id is null ? "The message" : $"Message '{id}'";
        throw new PoisonMessageException($"{which} needs a non-empty string \"{name}\".");
    }

    /// <summary>The instances in the shape the prediction code reads: <c>{"instances": [...]}</c>.</summary>
    private static JsonElement Batch(JsonElement instances)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("instances");
            instances.WriteTo(writer);
            writer.WriteEndObject();
        }

        using var batch = JsonDocument.Parse(buffer.WrittenMemory);
        return batch.RootElement.Clone();
    }

    private static void WriteError(Utf8JsonWriter writer, string id, ServedModel served, PredictionInputException error)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("model", served.Name);
        writer.WriteString("version", served.Version);
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteStartObject("errors");
        foreach (var (field, messages) in error.Errors)
        {
            writer.WriteStartArray(field);
            foreach (var message in messages)
            {
                writer.WriteStringValue(message);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
