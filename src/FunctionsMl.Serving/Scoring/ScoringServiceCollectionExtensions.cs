using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Scoring;

/// <summary>Registers file and message scoring; called by <c>AddFunctionsMl</c>.</summary>
public static class ScoringServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="FileScorer"/>, <see cref="MessageScorer"/> (and <see cref="QueueTriggerScoring"/> over it), their options (<c>FunctionsMl:Scoring</c>,
    /// <c>FunctionsMl:Queues</c>) and <see cref="StoreQueues"/>. The scorers resolve models through the host's
    /// <see cref="IModelResolver"/> (the predictor cache), so files, messages and HTTP requests share loaded models.
    /// </summary>
    public static IServiceCollection AddFunctionsMlScoring(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FileScoringOptions>().Bind(configuration.GetSection(FileScoringOptions.SectionName));
        services.AddOptions<QueueProcessorOptions>().Bind(configuration.GetSection(QueueProcessorOptions.SectionName));
        services.TryAddSingleton(sp => new FileScorer(
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<IModelResolver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<FileScoringOptions>>().Value,
            sp.GetService<ILogger<FileScorer>>()));
        services.TryAddSingleton(sp => new MessageScorer(
            sp.GetRequiredService<IModelResolver>(),
            sp.GetRequiredService<IOptions<FunctionsMlOptions>>().Value,
            sp.GetService<ILogger<MessageScorer>>()));
        services.TryAddSingleton<QueueTriggerScoring>();
        services.TryAddSingleton(sp => new StoreQueues(sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
