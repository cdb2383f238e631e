using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Caching;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Traffic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
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
        AddTrafficAndMonitoring(services);
        services.TryAddSingleton<PredictionHandler>();
        services.TryAddSingleton<ModelsHandler>();
        services.TryAddSingleton<InferenceProtocolHandler>();
        services.TryAddSingleton<TrafficHandler>();
        services.TryAddSingleton<StatsHandler>();
        services.TryAddSingleton<FeedbackHandler>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddRetraining(configuration);
        services.AddFunctionsMlScoring(configuration);
        return services;
    }

    /// <summary>Traffic policies, shadows, statistics, prediction logging and feedback, with their two background services.</summary>
    private static void AddTrafficAndMonitoring(IServiceCollection services)
    {
        static FunctionsMlOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<FunctionsMlOptions>>().Value;
        services.TryAddSingleton(sp => new TrafficStore(
            sp.GetRequiredService<ModelRegistry>(), sp.GetRequiredService<TimeProvider>(), Options(sp).Traffic, sp.GetService<ILogger<TrafficStore>>()));
        services.TryAddSingleton(sp => new TrafficPolicyCache(
            sp.GetRequiredService<TrafficStore>(), Options(sp).Traffic, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<TrafficPolicyCache>>()));
        services.TryAddSingleton(sp => new TrafficRouter(
            sp.GetRequiredService<IModelResolver>(), sp.GetRequiredService<TrafficPolicyCache>(), sp.GetService<ILogger<TrafficRouter>>()));
        services.TryAddSingleton(sp => new ServingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new ModelMonitor(Options(sp).Monitoring, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ServingMetrics>()));
        services.TryAddSingleton(sp => new ShadowDispatcher(
            sp.GetRequiredService<IModelResolver>(), sp.GetRequiredService<ModelMonitor>(), Options(sp).Traffic, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<ShadowDispatcher>>()));
        services.TryAddSingleton(sp => new PredictionLog(
            sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<ModelMonitor>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<PredictionLog>>()));
        services.TryAddSingleton(sp => new FeedbackService(
            sp.GetRequiredService<PredictionLog>(), sp.GetRequiredService<IModelResolver>(), sp.GetRequiredService<ModelMonitor>(),
            sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<FeedbackService>>()));
        services.TryAddSingleton(sp => new PredictionObserver(
            sp.GetRequiredService<ModelMonitor>(), sp.GetRequiredService<PredictionLog>(), sp.GetRequiredService<ShadowDispatcher>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new MonitoringFlushService(
            sp.GetRequiredService<PredictionLog>(), sp.GetRequiredService<FeedbackService>(), sp.GetRequiredService<ModelMonitor>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<MonitoringFlushService>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ShadowDispatcher>(sp => sp.GetRequiredService<ShadowDispatcher>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MonitoringFlushService>(sp => sp.GetRequiredService<MonitoringFlushService>()));
    }
}
