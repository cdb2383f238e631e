using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Scoring;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Local.Scoring;

/// <summary>
/// The local queue trigger: consumes <c>scoring-requests</c> with Azure's delivery semantics and publishes each result
/// on <c>scoring-results</c> by calling <see cref="MessageScorer.ScoreAsync"/>, as the Azure function does.
/// </summary>
/// <remarks>
/// A result is published under the request's message id with a create-only write before the request is completed, so
/// a request handled again after a crash between the two publishes its result once.
/// </remarks>
internal sealed partial class ScoringQueueWorker(
    MessageScorer scorer,
    StoreQueues queues,
    IOptions<LocalTriggerOptions> triggerOptions,
    IOptions<QueueProcessorOptions> queueOptions,
    TimeProvider timeProvider,
    ILogger<ScoringQueueWorker> logger,
    ILogger<QueueProcessor> processorLogger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!triggerOptions.Value.ProcessQueue)
        {
            return;
        }

        var processor = new QueueProcessor(queues.Requests, queueOptions.Value, timeProvider, processorLogger);
        LogConsuming(logger, queues.Requests.Name, queues.Results.Name, queueOptions.Value.MaxDequeueCount, queues.Requests.PoisonQueueName);
        await processor.RunAsync(HandleAsync, stoppingToken).ConfigureAwait(false);
    }

    internal async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var result = await scorer.ScoreAsync(message.Text, cancellationToken).ConfigureAwait(false);
        await queues.Results.EnqueueAsync(result, message.Id, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Consuming queue {Requests}, publishing to {Results}; after {MaxDequeueCount} failed deliveries a message moves to {Poison}")]
    private static partial void LogConsuming(ILogger logger, string requests, string results, int maxDequeueCount, string poison);
}
