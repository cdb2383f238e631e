using System.Globalization;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FunctionsMl.Serving.Http;

/// <summary>The answer to a retraining request: the run and where to follow it.</summary>
/// <param name="Status">"running" for a new run.</param>
/// <param name="StatusUrl">The run's record: <c>GET /api/models/{name}/runs/{id}</c>.</param>
public sealed record RetrainAccepted(string Model, string RunId, string Status, string StatusUrl);

/// <summary>
/// Retraining over HTTP, behind the management key: start a run now, list a model's runs, read one.
/// Written against ASP.NET Core types so the local host and the Functions app (ASP.NET Core integration)
/// serve the same code.
/// </summary>
public static class RetrainingEndpoints
{
    /// <summary>
    /// Maps <c>POST /api/models/{name}/retrain</c> (202 with <c>Location</c> of the run; 409 with the running run;
    /// 404 for a model without a definition), <c>GET /api/models/{name}/runs</c> (newest first; <c>?limit=</c>)
    /// and <c>GET /api/models/{name}/runs/{id}</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapRetrainingApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder models = endpoints.MapGroup(string.Empty).WithTags("Retraining").RequireManagementKey();
        models.MapPost(FunctionsMlApi.Routes.Retrain, StartAsync).WithName("StartRetraining").WithSummary("Start a retraining run of the model now.");
        models.MapGet(FunctionsMlApi.Routes.Runs, ListRunsAsync).WithName("ListRetrainingRuns").WithSummary("The model's retraining runs, newest first.");
        models.MapGet(FunctionsMlApi.Routes.Run, GetRunAsync).WithName("GetRetrainingRun").WithSummary("One retraining run: steps, data, metrics, decision.");
        return endpoints;
    }

    /// <summary>The path of a run's record.</summary>
    public static string RunUrl(string model, string runId) => $"/api/models/{model}/runs/{runId}";

    /// <summary><c>POST /api/models/{name}/retrain</c> through <paramref name="starter"/> (in-process locally, a Durable orchestration in Azure).</summary>
    public static async Task<IResult> StartAsync(string name, IRetrainingStarter starter, CancellationToken cancellationToken)
    {
        if (InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        RetrainStart start;
        try
        {
            start = await starter.StartAsync(name, RunTrigger.Manual, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException e)
        {
            return ApiProblems.NotFound(e.Message);
        }

        string url = RunUrl(name, start.RunId);
        if (start.AlreadyRunning)
        {
            // ApiProblems' shape and title, plus the running run so a client can follow it instead.
            return Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Conflict",
                detail: $"Model '{name}' is already being retrained by run {start.RunId}; its status is at {url}.",
                extensions: new Dictionary<string, object?> { ["runId"] = start.RunId, ["statusUrl"] = url });
        }

        return Results.Accepted(url, new RetrainAccepted(name, start.RunId, "running", url));
    }

    /// <summary><c>GET /api/models/{name}/runs?limit=</c>: the model's runs, newest first.</summary>
    public static async Task<IResult> ListRunsAsync(HttpRequest request, string name, RunStore runs, DefinitionStore definitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        int? limit = null;
        if (request.Query.TryGetValue("limit", out var values))
        {
            if (values.Count != 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) || parsed < 1)
            {
                return ApiProblems.BadRequest("limit", "limit must be a whole number, 1 or more.");
            }

            limit = parsed;
        }

        IReadOnlyList<RetrainingRun> list = await runs.ListAsync(name, limit, cancellationToken).ConfigureAwait(false);
        if (list.Count == 0 && await definitions.GetAsync(name, cancellationToken).ConfigureAwait(false) is null)
        {
            return ApiProblems.NotFound($"There is no model '{name}'.");
        }

        return Results.Json(list, RetrainingJson.Options);
    }

    /// <summary><c>GET /api/models/{name}/runs/{id}</c>: one run's record.</summary>
    public static async Task<IResult> GetRunAsync(string name, string id, RunStore runs, CancellationToken cancellationToken)
    {
        if (InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        RetrainingRun? run = await runs.GetAsync(name, id, cancellationToken).ConfigureAwait(false);
        return run is null
            ? ApiProblems.NotFound($"Model '{name}' has no retraining run '{id}'.")
            : Results.Json(run, RetrainingJson.Options);
    }

    private static IResult? InvalidName(string name)
    {
        try
        {
            RegistryNames.ValidateModel(name, nameof(name));
            return null;
        }
        catch (ArgumentException e)
        {
            return ApiProblems.BadRequest("name", e.Message);
        }
    }
}
