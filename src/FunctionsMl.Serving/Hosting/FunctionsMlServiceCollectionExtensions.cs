using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Caching;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
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
        services.TryAddSingleton(sp => new PredictorCache<TrainedModel>(
            sp.GetRequiredService<ModelRegistry>(),
            new DelegateModelLoader<TrainedModel>((_, _, file) => TrainedModel.Load(file)),
            sp.GetRequiredService<IOptions<FunctionsMlOptions>>().Value.Cache,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<PredictorCache<TrainedModel>>>()));
        services.TryAddSingleton<IModelResolver, CachedModelResolver>();
        services.TryAddSingleton<PredictionHandler>();
        services.TryAddSingleton<ModelsHandler>();
        services.TryAddSingleton<InferenceProtocolHandler>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddRetraining(configuration);
        services.AddFunctionsMlScoring(configuration);
        return services;
    }
}
