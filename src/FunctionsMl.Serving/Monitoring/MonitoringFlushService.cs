using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// Writes logged predictions and feedback to the store every <see cref="MonitoringOptions.FlushInterval"/>,
/// and once more when the host stops, so feedback accepted before a shutdown reaches <c>training/</c>.
/// </summary>
public sealed class MonitoringFlushService(PredictionLog log, FeedbackService feedback, ModelMonitor monitor, TimeProvider timeProvider, ILogger<MonitoringFlushService>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>Flushes both now.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await log.FlushAsync(cancellationToken).ConfigureAwait(false);
        await feedback.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // Feedback first and on its own: labelled rows are the scarce part, and a failing prediction log must not keep them back.
        foreach (Func<CancellationToken, Task> flush in new Func<CancellationToken, Task>[] { feedback.FlushAsync, log.FlushAsync })
        {
            try
            {
                await flush(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                MonitoringLog.FlushLoopFailed(_logger, e);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(monitor.Options.FlushInterval, timeProvider, stoppingToken).ConfigureAwait(false);

                // A flush once begun runs to the end (a few small writes): stopping waits for it rather than cutting
                // it short with lines already taken off the queue, and then flushes what came in since.
                await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                MonitoringLog.FlushLoopFailed(_logger, e);
            }
        }
    }
}
