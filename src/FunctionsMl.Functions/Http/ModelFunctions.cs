using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMl.Functions.Http;

/// <summary>
/// The management API: models, versions, alias changes (promotion and rollback) and their audit trail.
/// Function-level keys, like predictions: the local host's management key plays this part there.
/// </summary>
public sealed class ModelFunctions(ModelsHandler handler, ModelRegistry registry, TimeProvider timeProvider)
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

    /// <summary>Registers an ONNX, XGBoost or LightGBM file as the model's next version (bring your own model).</summary>
    [Function(nameof(RegisterExternalModel))]
    public Task<IResult> RegisterExternalModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/models/{name}/versions")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        ExternalModelsEndpoint.RegisterAsync(request, name, new ExternalModelRegistrar(registry, timeProvider), cancellationToken);

    [Function(nameof(GetAudit))]
    public Task<IResult> GetAudit(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models/{name}/audit")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.AuditAsync(name, cancellationToken);
}
