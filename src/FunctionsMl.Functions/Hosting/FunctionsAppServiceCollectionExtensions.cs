using Azure.Core.Serialization;
using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Retraining;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Functions.Hosting;

public static class FunctionsAppServiceCollectionExtensions
{
    /// <summary>
    /// The Azure app's services apart from telemetry: the model store (blob storage unless
    /// <c>FunctionsMl__Storage=filesystem</c>), the shared FunctionsMl services, and problem details for error
    /// responses, as the local host registers them, so both hosts answer errors alike.
    /// </summary>
    /// <remarks>
    /// Two settings differ from the local host. Durable Functions serializes orchestration and activity inputs and
    /// outputs with the worker's serializer, so it is set to <see cref="RetrainingJson.Options"/>: the options the local
    /// runner round-trips them through (a NaN metric, enums as names). And a run executes wherever Durable schedules it,
    /// not in the process that started it (<see cref="RetrainingOptions.RunsInStartingProcess"/>).
    /// </remarks>
    public static IServiceCollection AddFunctionsMlApp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // The blob store first: AddFunctionsMl registers the file-system store only when no store is registered.
        services.AddFunctionsMlAzureStorage(configuration);
        services.AddFunctionsMl(configuration);
        services.AddProblemDetails();
        services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(RetrainingJson.Options));
        services.PostConfigure<RetrainingOptions>(retraining => retraining.RunsInStartingProcess = false);
        return services;
    }
}
