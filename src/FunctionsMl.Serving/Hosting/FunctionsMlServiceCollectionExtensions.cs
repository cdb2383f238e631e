using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Hosting;

/// <summary>The composition root both hosts share.</summary>
public static class FunctionsMlServiceCollectionExtensions
{
    /// <summary>
    /// Registers the registry, predictor cache, prediction, scoring and retraining services. The object store
    /// defaults to the embedded file-system store; a host that registers its own <see cref="IObjectStore"/>
    /// first (the Azure app registers blob storage) keeps it.
    /// </summary>
    public static IServiceCollection AddFunctionsMl(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FunctionsMlOptions>().Bind(configuration.GetSection(FunctionsMlOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IObjectStore>(sp => new FileSystemObjectStore(
            new FileSystemObjectStoreOptions { RootDirectory = sp.GetRequiredService<IOptions<FunctionsMlOptions>>().Value.StorePath },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<FileSystemObjectStore>>()));
        services.TryAddSingleton(sp => new ModelRegistry(
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ModelRegistry>>()));
        services.AddFunctionsMlScoring(configuration);
        return services;
    }
}
