using FunctionsMl.Serving.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMl.Functions.Http;

/// <summary>
/// The management API: models, versions, alias changes (promotion and rollback) and their audit trail.
/// Function-level keys, like predictions: the local host's management key plays this part there.
/// </summary>
public sealed class ModelFunctions(ModelsHandler handler)
{
    [Function(nameof(ListModels))]
    public Task<IResult> ListModels(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.ListAsync(cancellationToken);

    [Function(nameof(GetModel))]
    public Task<IResult> GetModel(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.GetAsync(name, cancellationToken);

    [Function(nameof(SetAlias))]
    public Task<IResult> SetAlias(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "api/models/{name}/aliases/{alias}")] HttpRequest request,
        string name,
        string alias,
        CancellationToken cancellationToken) =>
        handler.SetAliasAsync(request, name, alias, cancellationToken);

    [Function(nameof(GetAudit))]
    public Task<IResult> GetAudit(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}/audit")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.AuditAsync(name, cancellationToken);
}
