using FunctionsMl.Serving.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMl.Functions.Http;

/// <summary>
/// The Open Inference Protocol v2. Server metadata and the server health probes are anonymous, as probes
/// and protocol clients call them before they hold a key and they reveal nothing about models; every
/// model endpoint needs a function key.
/// </summary>
public sealed class InferenceProtocolFunctions(InferenceProtocolHandler handler)
{
    [Function(nameof(ServerMetadata))]
    public static IResult ServerMetadata(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2")] HttpRequest request) =>
        InferenceProtocolHandler.ServerMetadata();

    [Function(nameof(ServerLive))]
    public static IResult ServerLive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/health/live")] HttpRequest request) =>
        InferenceProtocolHandler.Live();

    [Function(nameof(ServerReady))]
    public Task<IResult> ServerReady(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v2/health/ready")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.ReadyAsync(cancellationToken);

    [Function(nameof(ModelMetadata))]
    public Task<IResult> ModelMetadata(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{name}")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.ModelMetadataAsync(name, null, cancellationToken);

    [Function(nameof(ModelVersionMetadata))]
    public Task<IResult> ModelVersionMetadata(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{name}/versions/{version}")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        handler.ModelMetadataAsync(name, version, cancellationToken);

    [Function(nameof(ModelReady))]
    public Task<IResult> ModelReady(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{name}/ready")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.ModelReadyAsync(name, null, cancellationToken);

    [Function(nameof(ModelVersionReady))]
    public Task<IResult> ModelVersionReady(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/models/{name}/versions/{version}/ready")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        handler.ModelReadyAsync(name, version, cancellationToken);

    [Function(nameof(ModelInfer))]
    public Task<IResult> ModelInfer(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/models/{name}/infer")] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        handler.InferAsync(request, name, null, cancellationToken);

    [Function(nameof(ModelVersionInfer))]
    public Task<IResult> ModelVersionInfer(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/models/{name}/versions/{version}/infer")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        handler.InferAsync(request, name, version, cancellationToken);
}
