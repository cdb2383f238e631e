using FunctionsMl.Serving.Scoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Queues;

/// <summary>
/// Delivers the messages of a <see cref="StoreQueue"/> to a handler the way the Azure Functions queue trigger does.
/// </summary>
/// <remarks>
/// A handler that returns completes (deletes) the message. One that throws <see cref="PoisonMessageException"/> sends
/// it to the poison queue at once with the exception's message. Any other exception makes the message visible again
/// after a backoff (<see cref="QueueProcessorOptions.RetryDelay"/>, doubling), until its
/// <see cref="QueueProcessorOptions.MaxDequeueCount"/>th delivery fails, which sends it to the poison queue with that
/// error. A message received more often than that without an outcome (its receivers kept dying) goes to the poison
/// queue when next received, as in Azure.
/// </remarks>
public sealed class QueueProcessor
{
    private readonly StoreQueue _queue;
    private readonly QueueProcessorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public QueueProcessor(StoreQueue queue, QueueProcessorOptions? options = null, TimeProvider? timeProvider = null, ILogger<QueueProcessor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _options = options ?? new QueueProcessorOptions();
        _options.Validate();
        _queue = queue;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public StoreQueue Queue => _queue;

    /// <summary>Receives one batch of visible messages and handles each.</summary>
    /// <returns>How many messages were received.</returns>
    public async Task<int> ProcessBatchAsync(Func<QueueMessage, CancellationToken, Task> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var messages = await _queue.ReceiveAsync(_options.BatchSize, _options.VisibilityTimeout, cancellationToken).ConfigureAwait(false);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.EffectiveConcurrency, CancellationToken = CancellationToken.None };
        await Parallel.ForEachAsync(messages, parallel, (message, _) => new ValueTask(HandleAsync(message, handler, cancellationToken))).ConfigureAwait(false);
        return messages.Count;
    }

    /// <summary>Processes batches until cancelled, polling faster while messages come and slower while the queue is empty.</summary>
    public async Task RunAsync(Func<QueueMessage, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var interval = _options.MinPollingInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await ProcessBatchAsync(handler, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                QueueLog.ReceiveFailed(_logger, _queue.Name, ex);
                received = 0;
            }

            if (received > 0)
            {
                interval = _options.MinPollingInterval;
                continue;
            }

            try
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, _options.MaxPollingInterval.Ticks));
        }
    }

    private async Task HandleAsync(QueueMessage message, Func<QueueMessage, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                var reason = $"Delivered {message.DequeueCount - 1} times without an outcome (the process handling it may have crashed each time); the last error was: {message.LastError ?? "none recorded"}";
                await PoisonAsync(message, reason, cancellationToken).ConfigureAwait(false);
                return;
            }

            try
            {
                await handler(message, cancellationToken).ConfigureAwait(false);
            }
            catch (PoisonMessageException ex)
            {
                await PoisonAsync(message, ex.Message, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: hand it back at once, as a stopping Functions host does.
                await _queue.ReleaseAsync(message, TimeSpan.Zero, message.LastError, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                var error = $"{ex.GetType().Name}: {ex.Message}";
                if (message.DequeueCount >= _options.MaxDequeueCount)
                {
                    await PoisonAsync(message, $"Failed {message.DequeueCount} times; the last error was {error}", cancellationToken).ConfigureAwait(false);
                    return;
                }

                var delay = Backoff(message.DequeueCount);
                QueueLog.WillRetry(_logger, _queue.Name, message.Id, message.DequeueCount, delay, ex);
                await _queue.ReleaseAsync(message, delay, error, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!await _queue.CompleteAsync(message, cancellationToken).ConfigureAwait(false))
            {
                QueueLog.ReceiptExpired(_logger, _queue.Name, message.Id);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The store failed while settling the message; its visibility timeout will bring it back.
            QueueLog.SettleFailed(_logger, _queue.Name, message.Id, ex);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PoisonAsync(QueueMessage message, string reason, CancellationToken cancellationToken)
    {
        if (await _queue.MoveToPoisonAsync(message, reason, cancellationToken).ConfigureAwait(false))
        {
            QueueLog.Poisoned(_logger, _queue.Name, message.Id, _queue.PoisonQueueName, reason);
        }
    }

    private TimeSpan Backoff(long dequeueCount)
    {
        var factor = Math.Pow(2, Math.Min(dequeueCount - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(_options.RetryDelay.Ticks * factor, _options.MaxRetryDelay.Ticks));
    }
}

/// <summary>Log messages of the local queues (event ids 1400-1499).</summary>
internal static partial class QueueLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Queue {Queue}: message {MessageId} failed on delivery {DequeueCount}; retrying in {Delay}")]
    public static partial void WillRetry(ILogger logger, string queue, string messageId, long dequeueCount, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Queue {Queue}: message {MessageId} moved to {PoisonQueue}: {Reason}")]
    public static partial void Poisoned(ILogger logger, string queue, string messageId, string poisonQueue, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Queue {Queue}: message {MessageId} was handled after its visibility timeout ran out; it may be handled again")]
    public static partial void ReceiptExpired(ILogger logger, string queue, string messageId);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "Queue {Queue}: receiving failed; retrying")]
    public static partial void ReceiveFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Error, Message = "Queue {Queue}: could not settle message {MessageId}; it becomes visible again after its timeout")]
    public static partial void SettleFailed(ILogger logger, string queue, string messageId, Exception exception);
}
