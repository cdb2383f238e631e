using System.Buffers;
using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// The Open Inference Protocol v2 (KServe v2 / Triton HTTP): health, metadata and infer. A model takes one
/// input tensor per feature (shape [N] or [N, 1]; numbers for numeric features, BYTES for the others), or,
/// when every feature is numeric, one FP32/FP64 tensor of shape [N, features] in input-schema order.
/// Errors are <c>{"error": "..."}</c> with the reference servers' status codes.
/// </summary>
public sealed class InferenceProtocolHandler(IModelResolver resolver, ModelRegistry registry, IOptions<FunctionsMlOptions> options)
{
    public const string Platform = "functionsml";

    private static readonly HashSet<string> NumericDatatypes = new(StringComparer.Ordinal)
    {
        "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP32", "FP64",
    };

    /// <summary><c>GET /v2</c>.</summary>
    public static IResult ServerMetadata() =>
        Results.Json(new { name = "functionsml", version = typeof(InferenceProtocolHandler).Assembly.GetName().Version?.ToString(3) ?? "1.0.0", extensions = Array.Empty<string>() });

    /// <summary><c>GET /v2/health/live</c>: the process answers.</summary>
    public static IResult Live() => Results.Json(new { live = true });

    /// <summary><c>GET /v2/health/ready</c>: the process can serve inference (its store answers).</summary>
    public async Task<IResult> ReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(new { ready = true });
        }
        catch (IOException)
        {
            return Results.Json(new { ready = false }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary><c>GET /v2/models/{name}[/versions/{version}]</c>.</summary>
    public async Task<IResult> ModelMetadataAsync(string name, string? version, CancellationToken cancellationToken)
    {
        try
        {
            var served = await resolver.ResolveAsync(name, version, cancellationToken).ConfigureAwait(false);
            var versions = await registry.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            var manifest = served.Model.Manifest;
            return Results.Json(new
            {
                name,
                versions = versions.OrderBy(v => v.Number).Select(v => v.Version).ToArray(),
                platform = Platform,
                inputs = manifest.Inputs.Select(i => new TensorMetadata(i.Name, i.Kind == ColumnKind.Numeric ? "FP32" : "BYTES", [-1])).ToArray(),
                outputs = manifest.Outputs.Select(o => new TensorMetadata(o.Name, o.Datatype, [.. o.Shape])).ToArray(),
            });
        }
        catch (Exception ex) when (ToError(ex) is { } error)
        {
            return error;
        }
    }

    /// <summary><c>GET /v2/models/{name}[/versions/{version}]/ready</c>: 200 when it can serve, 503 when it exists but cannot yet.</summary>
    public async Task<IResult> ModelReadyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        try
        {
            await resolver.ResolveAsync(name, version, cancellationToken).ConfigureAwait(false);
            return Results.Json(new { name, ready = true });
        }
        catch (ModelNotReadyException)
        {
            return Results.Json(new { name, ready = false }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception ex) when (ToError(ex) is { } error)
        {
            return error;
        }
    }

    /// <summary><c>POST /v2/models/{name}[/versions/{version}]/infer</c>.</summary>
    public async Task<IResult> InferAsync(HttpRequest request, string name, string? version, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.RequireKeyForPredictions && !ManagementKeyFilter.HasValidKey(request, settings.ApiKey))
        {
            return Error(StatusCodes.Status401Unauthorized, $"Inference needs the API key in the '{ManagementKeyFilter.HeaderName}' header.");
        }

        try
        {
            var served = await resolver.ResolveAsync(name, version, cancellationToken).ConfigureAwait(false);
            using var body = await RequestBody.ReadJsonAsync(request, settings.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
            var inference = InferenceRequest.Parse(body.RootElement);
            var requestedOutputs = RequestedOutputs(inference, served.Model.Manifest);
            using var rowsDocument = ToRows(inference, served.Model.Manifest, settings.MaxBatchRows);
            var rows = PredictionRows.From(rowsDocument.RootElement, settings.MaxBatchRows);
            var outputs = RowScorer.Score(served.Model, rows, allowUnknownFields: false);
            return Results.Json(BuildResponse(inference.Id, served, outputs, rows.Rows.Count, requestedOutputs));
        }
        catch (InferenceProtocolException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (PredictionInputException ex)
        {
            // Name the tensor and element rather than the internal row path.
            return Error(StatusCodes.Status400BadRequest, $"{ex.Message} {string.Join("; ", ex.Errors.Select(e => $"{ToTensorPath(e.Key)}: {string.Join(" ", e.Value)}"))}");
        }
        catch (Exception ex) when (ToError(ex) is { } error)
        {
            return error;
        }
    }

    private static IResult? ToError(Exception exception) => exception switch
    {
        RequestBodyException ex => Error(ex.StatusCode, ex.Message),
        ModelNotFoundException ex => Error(StatusCodes.Status404NotFound, ex.Message),
        ModelNotReadyException ex => Error(StatusCodes.Status503ServiceUnavailable, ex.Message),
        ArgumentException ex => Error(StatusCodes.Status400BadRequest, ex.Message),
        _ => null,
    };

    private static IResult Error(int statusCode, string message) => Results.Json(new { error = message }, statusCode: statusCode);

    private static string ToTensorPath(string rowPath)
    {
        // "instances[3].sepal_length" → "input 'sepal_length' element 3"
        var dot = rowPath.IndexOf("].", StringComparison.Ordinal);
        var open = rowPath.IndexOf('[', StringComparison.Ordinal);
        return dot > 0 && open >= 0 ? $"input '{rowPath[(dot + 2)..]}' element {rowPath[(open + 1)..dot]}" : rowPath;
    }

    private static HashSet<string> RequestedOutputs(InferenceRequest inference, ModelManifest manifest)
    {
        var available = manifest.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        if (inference.Outputs is null)
        {
            return available;
        }

        foreach (var output in inference.Outputs)
        {
            if (!available.Contains(output))
            {
                throw new InferenceProtocolException($"Unknown output '{output}'; this model's outputs are {string.Join(", ", available)}.");
            }
        }

        return [.. inference.Outputs];
    }

    /// <summary>Rebuilds the tensors as rows, so tensors and native requests go through one featurization path.</summary>
    private static JsonDocument ToRows(InferenceRequest inference, ModelManifest manifest, int maxBatchRows)
    {
        var columns = ColumnsFrom(inference, manifest);
        var rowCount = columns[0].Values.Count;
        if (rowCount == 0)
        {
            throw new InferenceProtocolException("The batch is empty: the first dimension of the input shape must be at least 1.");
        }

        if (rowCount > maxBatchRows)
        {
            throw new InferenceProtocolException($"The batch has {rowCount} rows; the limit is {maxBatchRows}.");
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("instances");
            for (var row = 0; row < rowCount; row++)
            {
                writer.WriteStartObject();
                foreach (var column in columns)
                {
                    writer.WritePropertyName(column.Name);
                    column.Values[row].WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static List<(string Name, IReadOnlyList<JsonElement> Values)> ColumnsFrom(InferenceRequest inference, ModelManifest manifest)
    {
        var byName = manifest.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        if (inference.Inputs.Count == 1 && !byName.ContainsKey(inference.Inputs[0].Name))
        {
            return SplitMatrix(inference.Inputs[0], manifest);
        }

        var columns = new List<(string, IReadOnlyList<JsonElement>)>();
        long? rows = null;
        foreach (var tensor in inference.Inputs)
        {
            if (!byName.TryGetValue(tensor.Name, out var input))
            {
                throw new InferenceProtocolException($"Unknown input '{tensor.Name}'; this model's inputs are {string.Join(", ", manifest.Inputs.Select(i => i.Name))}.");
            }

            if (tensor.Shape.Length is < 1 or > 2 || (tensor.Shape.Length == 2 && tensor.Shape[1] != 1))
            {
                throw new InferenceProtocolException($"Input '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}]; a feature input is [N] or [N, 1].");
            }

            if (rows is { } expected && tensor.Shape[0] != expected)
            {
                throw new InferenceProtocolException($"Input '{tensor.Name}' has {tensor.Shape[0]} rows but an earlier input has {expected}; every input needs the same first dimension.");
            }

            rows = tensor.Shape[0];
            var numeric = input.Kind == ColumnKind.Numeric;
            if (numeric != NumericDatatypes.Contains(tensor.Datatype))
            {
                throw new InferenceProtocolException(numeric
                    ? $"Input '{tensor.Name}' is a numeric feature; send a numeric datatype (FP32, FP64, INT*, UINT*, BOOL), not {tensor.Datatype}."
                    : $"Input '{tensor.Name}' is a {input.Kind.ToString().ToLowerInvariant()} feature; send datatype BYTES, not {tensor.Datatype}.");
            }

            columns.Add((tensor.Name, tensor.Data));
        }

        var missing = manifest.Inputs.Where(i => !columns.Any(c => c.Item1 == i.Name)).Select(i => i.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new InferenceProtocolException($"Missing input(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}; send one tensor per feature.");
        }

        return columns;
    }

    /// <summary>One [N, features] numeric tensor, split into feature columns in input-schema order.</summary>
    private static List<(string, IReadOnlyList<JsonElement>)> SplitMatrix(InferenceTensor tensor, ModelManifest manifest)
    {
        if (manifest.Inputs.Any(i => i.Kind != ColumnKind.Numeric))
        {
            throw new InferenceProtocolException($"Unknown input '{tensor.Name}'; this model has non-numeric features, so send one tensor per feature: {string.Join(", ", manifest.Inputs.Select(i => i.Name))}.");
        }

        var width = manifest.Inputs.Count;
        if (tensor.Shape.Length != 2 || tensor.Shape[1] != width)
        {
            throw new InferenceProtocolException($"Input '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}]; a single input must be [N, {width}] with features in this order: {string.Join(", ", manifest.Inputs.Select(i => i.Name))}.");
        }

        if (!NumericDatatypes.Contains(tensor.Datatype))
        {
            throw new InferenceProtocolException($"Input '{tensor.Name}' must have a numeric datatype, not {tensor.Datatype}.");
        }

        var rows = (int)tensor.Shape[0];
        return [.. manifest.Inputs.Select((input, c) => (input.Name, (IReadOnlyList<JsonElement>)Enumerable.Range(0, rows).Select(r => tensor.Data[(r * width) + c]).ToArray()))];
    }

    private static object BuildResponse(string? id, ServedModel served, float[] outputs, int rowCount, HashSet<string> requested)
    {
        var manifest = served.Model.Manifest;
        var tensors = new List<object>();
        if (manifest.Task == ModelTask.Regression)
        {
            tensors.Add(new { name = "value", shape = new[] { rowCount }, datatype = "FP32", data = outputs });
        }
        else
        {
            var classes = manifest.ClassLabels!;
            if (requested.Contains("label"))
            {
                var labels = new string[rowCount];
                for (var row = 0; row < rowCount; row++)
                {
                    labels[row] = classes[ClassificationMetrics.ArgMax(outputs.AsSpan(row * classes.Count, classes.Count))];
                }

                tensors.Add(new { name = "label", shape = new[] { rowCount }, datatype = "BYTES", data = labels });
            }

            if (requested.Contains("probabilities"))
            {
                tensors.Add(new { name = "probabilities", shape = new[] { rowCount, classes.Count }, datatype = "FP32", data = outputs });
            }
        }

        return id is null
            ? new { model_name = served.Name, model_version = served.Version, outputs = tensors }
            : new { model_name = served.Name, model_version = served.Version, id, outputs = tensors };
    }

    private sealed record TensorMetadata(string name, string datatype, int[] shape);
}
