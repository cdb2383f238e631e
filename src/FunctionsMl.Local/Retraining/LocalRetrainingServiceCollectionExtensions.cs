using FunctionsMl.Serving.Retraining;
using FunctionsMl.Local.Cli;

namespace FunctionsMl.Local.Retraining;

public static class LocalRetrainingServiceCollectionExtensions
{
    /// <summary>
    /// The local host's retraining: start-up publishing, recovery and training (<see cref="RetrainingBootstrapService"/>)
    /// and the schedule (<see cref="RetrainingSchedulerService"/>). <c>--no-train</c> turns off start-up training. Runs
    /// started over HTTP or on schedule publish the model's folder first (<see cref="PublishingRetrainingStarter"/>).
    /// </summary>
    public static IServiceCollection AddLocalRetraining(this IServiceCollection services, CommandLine commandLine)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(commandLine);
        services.AddSingleton(new LocalRetrainingOptions { TrainOnStart = !commandLine.Flag("no-train") });
        services.AddSingleton<IRetrainingStarter, PublishingRetrainingStarter>();
        services.AddSingleton<RetrainingBootstrapService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetrainingBootstrapService>());
        services.AddHostedService<RetrainingSchedulerService>();
        return services;
    }
}
