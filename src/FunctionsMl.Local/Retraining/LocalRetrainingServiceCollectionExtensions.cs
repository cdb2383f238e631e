using FunctionsMl.Local.Cli;

namespace FunctionsMl.Local.Retraining;

public static class LocalRetrainingServiceCollectionExtensions
{
    /// <summary>
    /// The local host's retraining: start-up publishing, recovery and training (<see cref="RetrainingBootstrapService"/>)
    /// and the schedule (<see cref="RetrainingSchedulerService"/>). <c>--no-train</c> turns off start-up training.
    /// </summary>
    public static IServiceCollection AddLocalRetraining(this IServiceCollection services, CommandLine commandLine)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(commandLine);
        services.AddSingleton(new LocalRetrainingOptions { TrainOnStart = !commandLine.Flag("no-train") });
        services.AddSingleton<RetrainingBootstrapService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetrainingBootstrapService>());
        services.AddHostedService<RetrainingSchedulerService>();
        return services;
    }
}
