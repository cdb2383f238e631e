using FunctionsMl.Serving.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMl.Functions.Http;

/// <summary>
/// The native prediction API (<see cref="FunctionsMlApi.Routes"/>). Each function binds the request and the
/// route values and calls the handler the local host maps to the same route; the ASP.NET Core integration
/// executes the returned <see cref="IResult"/>. Callers pass a function key (<c>x-functions-key</c>).
/// </summary>
public sealed class PredictionFunctions(PredictionHandler handler)
{
    [Function(nameof(Predict))]
    public Task<IResult> Predict(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/models/{name}/predict")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.PredictAsync(request, name, null, cancellationToken);

    [Function(nameof(PredictWithVersion))]
    public Task<IResult> PredictWithVersion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/models/{name}/versions/{version}/predict")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        handler.PredictAsync(request, name, version, cancellationToken);
}
