using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
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
    DefinitionStore definitions,
    IRetrainingStarter starter,
    TimeProvider timeProvider,
    LocalRetrainingOptions options,
    ILogger<RetrainingSchedulerService> logger) : BackgroundService
{
    private readonly HashSet<string> _reportedInvalid = new(StringComparer.Ordinal);

    /// <summary>The schedules that fire in (<paramref name="after"/>, <paramref name="until"/>], each once however often it fires there.</summary>
    public static IReadOnlyList<ModelSchedule> DueBetween(IEnumerable<ModelSchedule> schedules, DateTimeOffset after, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        return [.. schedules.Where(s => s.NextAfter(after) <= until)];
    }

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

        DateTimeOffset checkedUntil = timeProvider.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<ModelSchedule> schedules = await ReadSchedulesAsync(stoppingToken);
                DateTimeOffset wake = NextWake(schedules, checkedUntil, options.DefinitionRefreshInterval);
                TimeSpan delay = wake - timeProvider.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, timeProvider, stoppingToken);
                }

                DateTimeOffset now = timeProvider.GetUtcNow();
                foreach (ModelSchedule due in DueBetween(schedules, checkedUntil, now))
                {
                    await StartAsync(due, stoppingToken);
                }

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

    private async Task<IReadOnlyList<ModelSchedule>> ReadSchedulesAsync(CancellationToken cancellationToken)
    {
        var schedules = new List<ModelSchedule>();
        foreach (StoredDefinition stored in await definitions.ListAsync(cancellationToken))
        {
            try
            {
                if (ModelSchedule.For(stored.Definition) is { } schedule)
                {
                    schedules.Add(schedule);
                }
            }
            catch (ModelDefinitionException e)
            {
                if (_reportedInvalid.Add($"{stored.Name}\n{stored.Definition.Schedule}"))
                {
                    LocalRetrainingLog.InvalidSchedule(logger, stored.Name, e.Message);
                }
            }
        }

        return schedules;
    }

    private async Task StartAsync(ModelSchedule due, CancellationToken cancellationToken)
    {
        try
        {
            RetrainStart start = await starter.StartAsync(due.Model, RunTrigger.Schedule, cancellationToken);
            if (start.AlreadyRunning)
            {
                LocalRetrainingLog.ScheduledRunSkipped(logger, due.Model, start.RunId);
            }
            else
            {
                LocalRetrainingLog.ScheduledRunStarted(logger, due.Model, start.RunId, due.Expression);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LocalRetrainingLog.ScheduledRunFailed(logger, due.Model, e.Message);
        }
    }
}
