using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// The native prediction API, written once: the local host maps it to routes and each Azure HTTP function
/// calls one of its methods.
/// </summary>
public sealed class PredictionHandler(IModelResolver resolver, IOptions<FunctionsMlOptions> options)
{
    public const string RequestIdHeader = "x-request-id";

    /// <summary><c>POST /api/models/{name}/predict</c> and <c>POST /api/models/{name}/versions/{version}/predict</c>.</summary>
    /// <param name="version">A pinned version, or null for the production alias.</param>
    public async Task<IResult> PredictAsync(HttpRequest request, string name, string? version, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.RequireKeyForPredictions && !ManagementKeyFilter.HasValidKey(request, settings.ApiKey))
        {
            return ApiProblems.Unauthorized($"Predictions need the API key in the '{ManagementKeyFilter.HeaderName}' header.");
        }

        var requestId = RequestIdOf(request);
        try
        {
            var served = await resolver.ResolveAsync(name, version, cancellationToken).ConfigureAwait(false);
            using var body = await RequestBody.ReadJsonAsync(request, settings.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
            var rows = PredictionRows.From(body.RootElement, settings.MaxBatchRows);
            var outputs = RowScorer.Score(served.Model, rows, settings.AllowUnknownFields);
            return new PredictionResult(requestId, served, rows.IsBatch, outputs);
        }
        catch (Exception ex) when (ToProblem(ex) is { } problem)
        {
            request.HttpContext.Response.Headers[RequestIdHeader] = requestId;
            return problem;
        }
    }

    /// <summary>Maps the errors a caller can cause or fix to 4xx/503 problem details; anything else is a bug and propagates.</summary>
    internal static IResult? ToProblem(Exception exception) => exception switch
    {
        RequestBodyException ex => Results.Problem(statusCode: ex.StatusCode, title: "The request body is invalid", detail: ex.Message),
        PredictionInputException ex => ApiProblems.BadRequest(ex.Message, ex.Errors),
        ModelNotFoundException ex => ApiProblems.NotFound(ex.Message),
        ModelNotReadyException ex => ApiProblems.NotReady(ex.Message),
        ArgumentException ex => ApiProblems.BadRequest(ex.ParamName ?? "$", ex.Message),
        _ => null,
    };

    /// <summary>The caller's request id, or a new one, so a prediction can be traced and joined with feedback later.</summary>
    internal static string RequestIdOf(HttpRequest request)
    {
        var given = request.Headers[RequestIdHeader].ToString();
        return given.Length is > 0 and <= 128 ? given : Guid.NewGuid().ToString("N");
    }

    /// <summary>Writes the response straight to the body with no intermediate objects.</summary>
    private sealed class PredictionResult(string requestId, ServedModel served, bool isBatch, float[] outputs) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.Headers[RequestIdHeader] = requestId;
            response.Headers["x-model-version"] = served.Version;
            await using (var writer = new Utf8JsonWriter(response.BodyWriter))
            {
                PredictionJson.WriteResponse(writer, requestId, served.Name, served.Version, served.Model.Manifest, isBatch, outputs);
            }

            await response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
