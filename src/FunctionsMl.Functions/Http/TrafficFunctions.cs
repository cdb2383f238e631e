using FunctionsMl.Serving.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMl.Functions.Http;

/// <summary>
/// A/B traffic, serving statistics and feedback (<see cref="FunctionsMlApi.Routes"/>): each function binds the
/// request and the route values and calls the handler the local host maps to the same route. Statistics are
/// those of the instance that answers; the FunctionsMl meter carries every instance's to Application Insights.
/// </summary>
public sealed class TrafficFunctions(TrafficHandler traffic, StatsHandler stats, FeedbackHandler feedback)
{
    [Function(nameof(Traffic))]
    public Task<IResult> Traffic(
        [HttpTrigger(AuthorizationLevel.Function, "get", "put", "delete", Route = "api/models/{name}/traffic")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        traffic.HandleAsync(request, name, cancellationToken);

    [Function(nameof(GetTrafficAudit))]
    public Task<IResult> GetTrafficAudit(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}/traffic/audit")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        traffic.AuditAsync(name, cancellationToken);

    [Function(nameof(GetStats))]
    public Task<IResult> GetStats(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}/stats")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        stats.GetAsync(name, cancellationToken);

    [Function(nameof(PostFeedback))]
    public Task<IResult> PostFeedback(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/models/{name}/feedback")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        feedback.PostAsync(request, name, cancellationToken);
}
