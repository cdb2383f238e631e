using FunctionsMl.Serving.Definitions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsMl.Serving.Retraining;

public static class RetrainingServiceCollectionExtensions
{
    /// <summary>
    /// Registers definitions (store and publisher), run records and locks, the run starter, the schedule checker, the
    /// orchestrated starter (for hosts that run an orchestration engine), the retraining activities and the
    /// in-process <see cref="RetrainingService"/> as the <see cref="IRetrainingStarter"/>. A host that
    /// registers its own starter first (the Azure app starts Durable orchestrations) keeps it.
    /// </summary>
    public static IServiceCollection AddRetraining(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RetrainingOptions>().Bind(configuration.GetSection(RetrainingOptions.SectionName));
        services.TryAddSingleton<DefinitionStore>();
        services.TryAddSingleton<DefinitionPublisher>();
        services.TryAddSingleton<RunStore>();
        services.TryAddSingleton<RunLocks>();
        services.TryAddSingleton<RetrainingProgress>();
        services.TryAddSingleton<RetrainingActivities>();
        services.TryAddSingleton<RunStarter>();
        services.TryAddSingleton<ScheduledRetraining>();
        services.TryAddSingleton<OrchestratedRetraining>();
        services.TryAddSingleton<RetrainingService>();
        services.TryAddSingleton<IRetrainingStarter>(sp => sp.GetRequiredService<RetrainingService>());
        return services;
    }
}
