using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// The HTTP routes of DESIGN.md §6, as the local host serves them. The Azure app declares the same routes
/// on its HTTP functions (routePrefix is empty) and calls the same handlers.
/// </summary>
public static class FunctionsMlApi
{
    public static class Routes
    {
        public const string Predict = "/api/models/{name}/predict";
        public const string PredictVersion = "/api/models/{name}/versions/{version}/predict";
        public const string Models = "/api/models";
        public const string Model = "/api/models/{name}";
        public const string Alias = "/api/models/{name}/aliases/{alias}";
        public const string Audit = "/api/models/{name}/audit";
        public const string Versions = "/api/models/{name}/versions";
        public const string Traffic = "/api/models/{name}/traffic";
        public const string TrafficAudit = "/api/models/{name}/traffic/audit";
        public const string Stats = "/api/models/{name}/stats";
        public const string Feedback = "/api/models/{name}/feedback";
        public const string Retrain = "/api/models/{name}/retrain";
        public const string Runs = "/api/models/{name}/runs";
        public const string Run = "/api/models/{name}/runs/{id}";
        public const string ServerMetadata = "/v2";
        public const string Live = "/v2/health/live";
        public const string Ready = "/v2/health/ready";
        public const string ModelMetadata = "/v2/models/{name}";
        public const string ModelVersionMetadata = "/v2/models/{name}/versions/{version}";
        public const string ModelReady = "/v2/models/{name}/ready";
        public const string ModelVersionReady = "/v2/models/{name}/versions/{version}/ready";
        public const string Infer = "/v2/models/{name}/infer";
        public const string InferVersion = "/v2/models/{name}/versions/{version}/infer";
    }

    /// <summary>Maps the native prediction and management API and the Open Inference Protocol v2.</summary>
    public static IEndpointRouteBuilder MapFunctionsMlApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        MapPrediction(endpoints.MapGroup(string.Empty).WithTags("Predictions"));
        MapManagement(endpoints.MapGroup(string.Empty).WithTags("Models").RequireManagementKey());
        ExternalModelsEndpoint.Map(endpoints.MapGroup(string.Empty).WithTags("Models").RequireManagementKey());
        MapTrafficAndMonitoring(endpoints);
        MapInferenceProtocol(endpoints.MapGroup(string.Empty).WithTags("Open Inference Protocol v2").ExcludeFromDescription());
        return endpoints;
    }

    private static void MapPrediction(RouteGroupBuilder group)
    {
        group.MapPost(Routes.Predict, (HttpRequest request, string name, PredictionHandler handler, CancellationToken cancellationToken) =>
                handler.PredictAsync(request, name, null, cancellationToken))
            .WithName("Predict")
            .WithSummary("Predict with the production version: one row as a JSON object, or a batch as {\"instances\": [...]}.")
            .Accepts<Dictionary<string, object>>("application/json")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost(Routes.PredictVersion, (HttpRequest request, string name, string version, PredictionHandler handler, CancellationToken cancellationToken) =>
                handler.PredictAsync(request, name, version, cancellationToken))
            .WithName("PredictWithVersion")
            .WithSummary("Predict with a pinned version, bypassing aliases.")
            .Accepts<Dictionary<string, object>>("application/json")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapManagement(RouteGroupBuilder group)
    {
        group.MapGet(Routes.Models, (ModelsHandler handler, CancellationToken cancellationToken) => handler.ListAsync(cancellationToken))
            .WithName("ListModels")
            .WithSummary("Every model with its aliases and newest version.")
            .Produces<ModelList>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet(Routes.Model, (string name, ModelsHandler handler, CancellationToken cancellationToken) => handler.GetAsync(name, cancellationToken))
            .WithName("GetModel")
            .WithSummary("A model's versions with metrics, its aliases, and its input schema with an example row.")
            .Produces<ModelDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut(Routes.Alias, (HttpRequest request, string name, string alias, ModelsHandler handler, CancellationToken cancellationToken) =>
                handler.SetAliasAsync(request, name, alias, cancellationToken))
            .WithName("SetAlias")
            .WithSummary("Point an alias (production, staging, ...) at a version: promote or roll back. If-Match makes it a compare-and-swap.")
            .Accepts<SetAliasRequest>("application/json")
            .Produces<AliasList>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet(Routes.Audit, (string name, ModelsHandler handler, CancellationToken cancellationToken) => handler.AuditAsync(name, cancellationToken))
            .WithName("GetAudit")
            .WithSummary("Every alias change of a model, newest first.");
    }

    private static void MapTrafficAndMonitoring(IEndpointRouteBuilder endpoints)
    {
        var management = endpoints.MapGroup(string.Empty).WithTags("Traffic and monitoring").RequireManagementKey();
        // One endpoint for the three methods, as the Azure app has one function per route.
        management.MapMethods(Routes.Traffic, [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete], (HttpRequest request, string name, TrafficHandler handler, CancellationToken cancellationToken) =>
                handler.HandleAsync(request, name, cancellationToken))
            .WithName("Traffic")
            .WithSummary("GET the model's traffic policy and its ETag; PUT {\"split\": [{\"target\", \"weight\"}], \"shadows\": [{\"target\", \"percent\"}], \"routingField\", \"reason\"} (whole weights summing to 100; If-Match makes it a compare-and-swap); DELETE it to serve production only.")
            .Produces<TrafficResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        management.MapGet(Routes.TrafficAudit, (string name, TrafficHandler handler, CancellationToken cancellationToken) => handler.AuditAsync(name, cancellationToken))
            .WithName("GetTrafficAudit")
            .WithSummary("Every traffic policy change of a model, newest first.");

        management.MapGet(Routes.Stats, (string name, StatsHandler handler, CancellationToken cancellationToken) => handler.GetAsync(name, cancellationToken))
            .WithName("GetStats")
            .WithSummary("Recent requests, errors, latency percentiles, predictions, input drift (PSI), shadow agreement and online accuracy per version, as this instance saw them.")
            .Produces<Monitoring.ModelStats>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapPost(Routes.Feedback, (HttpRequest request, string name, FeedbackHandler handler, CancellationToken cancellationToken) =>
                handler.PostAsync(request, name, cancellationToken))
            .WithTags("Predictions")
            .WithName("PostFeedback")
            .WithSummary("The true label of logged predictions: {\"requestId\": \"...\", \"label\": ...} (\"row\" for a batch row), or a list of them.")
            .Accepts<FeedbackBody>("application/json")
            .Produces<Monitoring.FeedbackResult>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static void MapInferenceProtocol(RouteGroupBuilder group)
    {
        group.MapGet(Routes.ServerMetadata, InferenceProtocolHandler.ServerMetadata);
        group.MapGet(Routes.Live, InferenceProtocolHandler.Live);
        group.MapGet(Routes.Ready, (InferenceProtocolHandler handler, CancellationToken cancellationToken) => handler.ReadyAsync(cancellationToken));
        group.MapGet(Routes.ModelMetadata, (string name, InferenceProtocolHandler handler, CancellationToken cancellationToken) =>
            handler.ModelMetadataAsync(name, null, cancellationToken));
        group.MapGet(Routes.ModelVersionMetadata, (string name, string version, InferenceProtocolHandler handler, CancellationToken cancellationToken) =>
            handler.ModelMetadataAsync(name, version, cancellationToken));
        group.MapGet(Routes.ModelReady, (string name, InferenceProtocolHandler handler, CancellationToken cancellationToken) =>
            handler.ModelReadyAsync(name, null, cancellationToken));
        group.MapGet(Routes.ModelVersionReady, (string name, string version, InferenceProtocolHandler handler, CancellationToken cancellationToken) =>
            handler.ModelReadyAsync(name, version, cancellationToken));
        group.MapPost(Routes.Infer, (HttpRequest request, string name, InferenceProtocolHandler handler, CancellationToken cancellationToken) =>
            handler.InferAsync(request, name, null, cancellationToken));
        group.MapPost(Routes.InferVersion, (HttpRequest request, string name, string version, InferenceProtocolHandler handler, CancellationToken cancellationToken) =>
            handler.InferAsync(request, name, version, cancellationToken));
    }
}

/// <summary>Body of <c>PUT /api/models/{name}/traffic</c>, for the OpenAPI document (the handler reads it with field-level errors).</summary>
public sealed record TrafficPolicyBody(IReadOnlyList<Traffic.TrafficRoute> Split, IReadOnlyList<Traffic.ShadowRoute>? Shadows, string? RoutingField, string? Reason, string? By);

/// <summary>Body of <c>POST /api/models/{name}/feedback</c> (one item), for the OpenAPI document.</summary>
public sealed record FeedbackBody(string RequestId, int? Row, object Label);

/// <summary>Body of <c>PUT /api/models/{name}/aliases/{alias}</c>.</summary>
public sealed record SetAliasRequest(string Version, string? Reason);
