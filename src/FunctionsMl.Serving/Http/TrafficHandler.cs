using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Traffic;
using Microsoft.AspNetCore.Http;

namespace FunctionsMl.Serving.Http;

/// <summary><c>GET/PUT/DELETE /api/models/{name}/traffic</c> and its audit: a model's A/B split, shadows and sticky routing.</summary>
public sealed class TrafficHandler(TrafficStore store, ModelRegistry registry)
{
    /// <summary>Largest traffic request body.</summary>
    private const long MaxBodyBytes = 64 * 1024;

    /// <summary><c>GET</c>, <c>PUT</c> or <c>DELETE /api/models/{name}/traffic</c>, by the request's method.</summary>
    public Task<IResult> HandleAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Method switch
        {
            _ when HttpMethods.IsGet(request.Method) => GetAsync(request, name, cancellationToken),
            _ when HttpMethods.IsPut(request.Method) => PutAsync(request, name, cancellationToken),
            _ when HttpMethods.IsDelete(request.Method) => DeleteAsync(request, name, cancellationToken),
            _ => Task.FromResult(Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed", detail: "Use GET, PUT or DELETE.")),
        };
    }

    /// <summary><c>GET /api/models/{name}/traffic</c>: the policy in force (null: production serves everything) and its ETag.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        try
        {
            var state = await store.GetAsync(name, cancellationToken).ConfigureAwait(false);
            if (state.ETag is null && !await ExistsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                return ApiProblems.NotFound($"There is no model '{name}'.");
            }

            return Respond(request, state);
        }
        catch (ArgumentException ex)
        {
            return ApiProblems.BadRequest("name", ex.Message);
        }
    }

    /// <summary>
    /// <c>PUT /api/models/{name}/traffic</c> with <c>{"split": [...], "shadows": [...], "routingField": "...", "reason": "..."}</c>.
    /// An <c>If-Match</c> header makes it a compare-and-swap against the policy's ETag (409 when it moved).
    /// </summary>
    public async Task<IResult> PutAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        try
        {
            RegistryNames.ValidateModel(name, "name");
            using var body = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
            var change = TrafficPolicyJson.Parse(body.RootElement);
            var state = await store.SetAsync(
                name,
                change.Policy,
                new TrafficChange(change.By ?? "api", change.Reason ?? "set through the API"),
                IfMatch(request),
                cancellationToken).ConfigureAwait(false);
            return Respond(request, state);
        }
        catch (Exception ex) when (ToProblem(name, ex) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>DELETE /api/models/{name}/traffic</c>: back to production only; recorded in the audit. <c>If-Match</c> as for PUT.</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        try
        {
            var reason = request.Query["reason"].ToString() is { Length: > 0 } given ? given : "removed through the API";
            var state = await store.SetAsync(name, null, new TrafficChange("api", reason), IfMatch(request), cancellationToken).ConfigureAwait(false);
            return Respond(request, state);
        }
        catch (Exception ex) when (ToProblem(name, ex) is { } problem)
        {
            return problem;
        }
    }

    /// <summary><c>GET /api/models/{name}/traffic/audit</c>: every policy change, newest first.</summary>
    public async Task<IResult> AuditAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await store.GetAuditAsync(name, cancellationToken).ConfigureAwait(false);
            return Results.Ok(entries.Reverse());
        }
        catch (ArgumentException ex)
        {
            return ApiProblems.BadRequest("name", ex.Message);
        }
    }

    private static IResult Respond(HttpRequest request, TrafficState state)
    {
        if (state.ETag is not null)
        {
            request.HttpContext.Response.Headers.ETag = state.ETag.StartsWith('"') ? state.ETag : $"\"{state.ETag}\"";
        }

        return Results.Ok(new TrafficResponse(
            state.Model,
            state.Policy,
            state.Policy?.ToString() ?? "production 100",
            state.ETag,
            state.Revision,
            state.ChangedAt,
            state.ChangedBy,
            state.Reason));
    }

    private static string? IfMatch(HttpRequest request) =>
        request.Headers.IfMatch.ToString().Trim() is { Length: > 0 } ifMatch && ifMatch != "*" ? ifMatch : null;

    private async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken) =>
        (await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false)).Aliases.Count > 0
        || (await registry.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false)).Count > 0;

    private static IResult? ToProblem(string name, Exception exception) => exception switch
    {
        TrafficPolicyException ex => ApiProblems.BadRequest(ex.Message, ex.Errors),
        PreconditionFailedException => ApiProblems.Conflict($"The traffic policy of '{name}' changed since the ETag in If-Match; read it again and retry."),
        _ => PredictionHandler.ToProblem(exception),
    };
}

/// <summary>A model's traffic policy as the API shows it.</summary>
/// <param name="Policy">Null when there is none: production serves everything.</param>
/// <param name="Effective">The routing in words, e.g. "production 90 / staging 10, shadow 3 at 10%".</param>
/// <param name="ETag">Pass it back in If-Match to change the policy only if nobody else did meanwhile.</param>
public sealed record TrafficResponse(
    string Model,
    TrafficPolicy? Policy,
    string Effective,
    string? ETag,
    long Revision,
    DateTimeOffset? ChangedAt,
    string? ChangedBy,
    string? Reason);
