using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Local.Retraining;

/// <summary>
/// Starts each model's run at the times its <c>schedule</c> names (six-field NCRONTAB, UTC), as the Functions
/// timer trigger does in Azure. Definitions are re-read every <see cref="LocalRetrainingOptions.DefinitionRefreshInterval"/>,
/// so a newly published schedule applies without a restart. A time that passes while the host is down is not
/// caught up on start (the start-up training covers models that have no version at all). Scheduling begins once
/// the start-up publishing is done, so the first schedules read are the ones just published.
/// </summary>
public sealed class RetrainingSchedulerService(
    RetrainingBootstrapService bootstrap,
    ScheduledRetraining scheduled,
    IRetrainingStarter starter,
    TimeProvider timeProvider,
    LocalRetrainingOptions options,
    ILogger<RetrainingSchedulerService> logger) : BackgroundService
{
    /// <summary>When the scheduler should next look: the earliest firing after <paramref name="after"/>, but no later than the next definition refresh.</summary>
    public static DateTimeOffset NextWake(IEnumerable<ModelSchedule> schedules, DateTimeOffset after, TimeSpan refreshInterval)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        DateTimeOffset refresh = after + refreshInterval;
        return schedules.Select(s => s.NextAfter(after)).Append(refresh).Min();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bootstrap.Published.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // Unlike the Azure timer, the local scheduler keeps its mark in memory: it wakes exactly at each firing
        // instead of polling, and a time that passes while the host is down is not caught up.
        DateTimeOffset checkedUntil = timeProvider.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<ModelSchedule> schedules = await scheduled.ReadSchedulesAsync(stoppingToken);
                DateTimeOffset wake = NextWake(schedules, checkedUntil, options.DefinitionRefreshInterval);
                TimeSpan delay = wake - timeProvider.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, timeProvider, stoppingToken);
                }

                DateTimeOffset now = timeProvider.GetUtcNow();
                await scheduled.StartDueBetweenAsync(starter, checkedUntil, now, stoppingToken);
                checkedUntil = now;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A storage hiccup must not end scheduling for good; try again after a pause.
                LocalRetrainingLog.SchedulerFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
