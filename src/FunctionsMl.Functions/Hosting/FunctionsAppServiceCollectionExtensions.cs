using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Hosting;
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
    public static IServiceCollection AddFunctionsMlApp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // The blob store first: AddFunctionsMl registers the file-system store only when no store is registered.
        services.AddFunctionsMlAzureStorage(configuration);
        services.AddFunctionsMl(configuration);
        services.AddProblemDetails();
        return services;
    }
}
