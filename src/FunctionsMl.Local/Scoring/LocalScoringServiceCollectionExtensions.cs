using FunctionsMl.Local.Scoring;

namespace FunctionsMl.Local;

/// <summary>Registers the local triggers of file and message scoring.</summary>
public static class LocalScoringServiceCollectionExtensions
{
    /// <summary>
    /// Adds the incoming-file watcher and the scoring queue worker as hosted services, configured by
    /// <c>FunctionsMl:LocalTriggers</c>. Needs the services of <c>AddFunctionsMl</c>.
    /// </summary>
    public static IServiceCollection AddLocalScoringTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LocalTriggerOptions>().Bind(configuration.GetSection(LocalTriggerOptions.SectionName));
        services.AddHostedService<IncomingFileWatcher>();
        services.AddHostedService<ScoringQueueWorker>();
        return services;
    }
}
