using FunctionsMl.Engine;
using FunctionsMl.Engine.Interop;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// <c>POST /api/models/{name}/versions</c>: registers a model file trained elsewhere as the model's next version.
/// The body is the file itself (ONNX, XGBoost JSON or LightGBM text); the query may name its <c>format</c> (else it
/// is detected from the content), the <c>task</c>, the ONNX <c>output</c> to serve, the class <c>labels</c>
/// (comma-separated) and the <c>label</c> name. Answers 201 with the new version (200 when identical bytes were
/// already registered), 400 naming what in the file cannot be served.
/// </summary>
public static class ExternalModelsEndpoint
{
    public const string Route = FunctionsMlApi.Routes.Versions;

    /// <summary>Model files larger than this are refused with 413.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Maps the route on a group that already requires the management key.</summary>
    public static RouteHandlerBuilder Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPost(Route, (HttpRequest request, string name, ModelRegistry registry, TimeProvider timeProvider, CancellationToken cancellationToken) =>
                RegisterAsync(request, name, new ExternalModelRegistrar(registry, timeProvider), cancellationToken))
            .WithName("RegisterExternalModel")
            .WithSummary("Register an ONNX, XGBoost (JSON) or LightGBM (text) model file as the model's next version; promote it with the alias API.")
            .Accepts<byte[]>("application/octet-stream", "application/json", "text/plain")
            .Produces<RegisteredVersion>(StatusCodes.Status201Created)
            .Produces<RegisteredVersion>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }

    public static async Task<IResult> RegisterAsync(HttpRequest request, string name, ExternalModelRegistrar importer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(importer);
        try
        {
            RegistryNames.ValidateModel(name, "name");
            var query = request.Query;
            ExternalModelFormat? format = null;
            if (query["format"].ToString() is { Length: > 0 } formatText)
            {
                format = ExternalModelFormats.TryParse(formatText, out var parsed)
                    ? parsed
                    : throw new ImportArgumentException("format", $"'{formatText}' is not a model format; use onnx, xgboost or lightgbm.");
            }

            ModelTask? task = null;
            if (query["task"].ToString() is { Length: > 0 } taskText)
            {
                task = Enum.TryParse<ModelTask>(taskText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(taskText, out _)
                    ? parsed
                    : throw new ImportArgumentException("task", $"'{taskText}' is not a task; use binary, multiclass or regression.");
            }

            var labels = query["labels"].ToString() is { Length: > 0 } labelText ? labelText.Split(',').Select(l => l.Trim()).ToArray() : null;
            var options = new ExternalModelOptions
            {
                Task = task,
                Output = query["output"].ToString() is { Length: > 0 } output ? output : null,
                ClassLabels = labels,
                Label = query["label"].ToString() is { Length: > 0 } label ? label : null,
            };
            var file = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
            var registration = await importer.RegisterAsync(name, file, format, options, "api", cancellationToken).ConfigureAwait(false);
            var body = RegisteredVersion.From(registration);
            return registration.Created
                ? Results.Created($"/api/models/{Uri.EscapeDataString(name)}/versions/{registration.Version.Version}", body)
                : Results.Ok(body);
        }
        catch (ImportArgumentException ex)
        {
            return ApiProblems.BadRequest(ex.ParamName!, ex.Message);
        }
        catch (ModelImportException ex)
        {
            return ApiProblems.BadRequest("file", ex.Message);
        }
        catch (Exception ex) when (PredictionHandler.ToProblem(ex) is { } problem)
        {
            return problem;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxFileBytes)
        {
            throw new RequestBodyException(StatusCodes.Status413PayloadTooLarge, $"The model file is larger than the limit of {MaxFileBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes)
            {
                throw new RequestBodyException(StatusCodes.Status413PayloadTooLarge, $"The model file is larger than the limit of {MaxFileBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length > 0
            ? buffer.ToArray()
            : throw new ImportArgumentException("file", "The request body is empty; send the model file as the body.");
    }

    private sealed class ImportArgumentException(string field, string message) : ArgumentException(message, field);
}

/// <summary>The answer to a registration: the version and what the file was understood to be.</summary>
public sealed record RegisteredVersion(
    string Name,
    string Version,
    string Sha256,
    DateTimeOffset RegisteredAt,
    string SourceFormat,
    ModelTask Task,
    IReadOnlyList<InputField> Inputs,
    IReadOnlyList<string>? ClassLabels,
    IReadOnlyList<OutputField> Outputs)
{
    public static RegisteredVersion From(ModelRegistration registration)
    {
        var info = registration.Version;
        var manifest = System.Text.Json.JsonSerializer.Deserialize<ModelManifest>(info.Manifest, ModelManifest.JsonOptions)!;
        return new RegisteredVersion(info.Model, info.Version, info.Sha256, info.RegisteredAt, manifest.SourceFormat, manifest.Task, manifest.Inputs, manifest.ClassLabels, manifest.Outputs);
    }
}
