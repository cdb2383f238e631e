using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Traffic;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// The native prediction API, written once: the local host maps it to routes and each Azure HTTP function
/// calls one of its methods. Unpinned calls are routed by the model's traffic policy; every call is counted,
/// timed and (sampled) logged for feedback.
/// </summary>
public sealed class PredictionHandler(TrafficRouter router, PredictionObserver observer, IOptions<FunctionsMlOptions> options)
{
    public const string RequestIdHeader = "x-request-id";

    /// <summary><c>POST /api/models/{name}/predict</c> and <c>POST /api/models/{name}/versions/{version}/predict</c>.</summary>
    /// <param name="version">A pinned version (bypasses the traffic policy), or null for the model's traffic policy (production when it has none).</param>
    public async Task<IResult> PredictAsync(HttpRequest request, string name, string? version, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.RequireKeyForPredictions && !ManagementKeyFilter.HasValidKey(request, settings.ApiKey))
        {
            return ApiProblems.Unauthorized($"Predictions need the API key in the '{ManagementKeyFilter.HeaderName}' header.");
        }

        var requestId = RequestIdOf(request);
        var started = observer.Start();
        ServedModel? served = null;
        try
        {
            using var body = await RequestBody.ReadJsonAsync(request, settings.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
            var rows = PredictionRows.From(body.RootElement, settings.MaxBatchRows);
            var route = await router.RouteAsync(name, version, requestId, request.Headers[TrafficDefaults.RoutingKeyHeader].ToString(), rows.Rows[0], cancellationToken).ConfigureAwait(false);
            served = route.Served;
            var outputs = RowScorer.Score(served.Model, rows, settings.AllowUnknownFields);
            observer.Succeeded(route, requestId, body.RootElement, rows, outputs, started, settings.AllowUnknownFields);
            return new PredictionResult(requestId, served, rows.IsBatch, outputs);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && RecordFailure(name, served, started))
        {
            throw; // Not reached: the filter only records.
        }
        catch (Exception ex) when (ToProblem(ex) is { } problem)
        {
            request.HttpContext.Response.Headers[RequestIdHeader] = requestId;
            return problem;
        }
    }

    /// <summary>Counts a failed request, bugs included, without catching it (an exception filter that says no).</summary>
    private bool RecordFailure(string name, ServedModel? served, long started)
    {
        observer.Failed(name, served, started);
        return false;
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
