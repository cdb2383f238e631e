using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Queues;

public sealed class QueueProcessorTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryObjectStore _store = new();
    private readonly StoreQueue _queue;
    private readonly StoreQueue _poison;

    public QueueProcessorTests()
    {
        _queue = new StoreQueue(_store, "scoring-requests", _time);
        _poison = new StoreQueue(_store, "scoring-requests-poison", _time);
    }

    [Fact]
    public async Task ProcessBatchAsync_HandlerSucceeds_CompletesTheMessage()
    {
        await _queue.EnqueueAsync("m");
        var handled = new List<string>();

        var received = await CreateSut().ProcessBatchAsync((message, _) =>
        {
            handled.Add(message.Text);
            return Task.CompletedTask;
        });

        Assert.Equal(1, received);
        Assert.Equal(["m"], handled);
        Assert.Empty(await PeekAsync(_queue));
        Assert.Empty(await PeekAsync(_poison));
    }

    [Fact]
    public async Task ProcessBatchAsync_PoisonMessage_IsSetAsideAtOnceWithTheReason()
    {
        await _queue.EnqueueAsync("not json");
        var calls = 0;

        await CreateSut().ProcessBatchAsync((_, _) =>
        {
            calls++;
            throw new PoisonMessageException("The message is not valid JSON.");
        });

        Assert.Equal(1, calls);
        Assert.Empty(await PeekAsync(_queue));
        var poisoned = Assert.Single(await PeekAsync(_poison));
        Assert.Equal(("not json", "The message is not valid JSON.", 1L), (poisoned.Text, poisoned.LastError, poisoned.DequeueCount));
    }

    [Fact]
    public async Task ProcessBatchAsync_HandlerKeepsFailing_RetriesWithBackoffThenPoisonsWithTheLastError()
    {
        await _queue.EnqueueAsync("m");
        var processor = CreateSut(new QueueProcessorOptions { MaxDequeueCount = 3, RetryDelay = TimeSpan.FromSeconds(2) });
        var calls = 0;
        Task Failing(QueueMessage message, CancellationToken token)
        {
            calls++;
            throw new IOException($"disk full ({calls})");
        }

        await processor.ProcessBatchAsync(Failing);
        Assert.Equal(0, await processor.ProcessBatchAsync(Failing));
        _time.Advance(TimeSpan.FromSeconds(2));
        await processor.ProcessBatchAsync(Failing);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, await processor.ProcessBatchAsync(Failing));
        _time.Advance(TimeSpan.FromSeconds(1));
        await processor.ProcessBatchAsync(Failing);

        Assert.Equal(3, calls);
        Assert.Empty(await PeekAsync(_queue));
        var poisoned = Assert.Single(await PeekAsync(_poison));
        Assert.Equal("Failed 3 times; the last error was IOException: disk full (3)", poisoned.LastError);
    }

    [Fact]
    public async Task ProcessBatchAsync_FailsOnceThenSucceeds_CompletesWithoutPoison()
    {
        await _queue.EnqueueAsync("m");
        var processor = CreateSut(new QueueProcessorOptions { RetryDelay = TimeSpan.Zero });
        var calls = 0;

        for (var i = 0; i < 2; i++)
        {
            await processor.ProcessBatchAsync((_, _) => ++calls == 1 ? throw new TimeoutException("slow") : Task.CompletedTask);
        }

        Assert.Equal(2, calls);
        Assert.Empty(await PeekAsync(_queue));
        Assert.Empty(await PeekAsync(_poison));
    }

    [Fact]
    public async Task ProcessBatchAsync_ReceiversKeptDying_PoisonsWhenDeliveredOnceTooOften()
    {
        await _queue.EnqueueAsync("m");
        var visibility = TimeSpan.FromMinutes(1);
        for (var i = 0; i < 2; i++)
        {
            // A receiver that dies: the message is received, never settled, and comes back after its visibility.
            await _queue.ReceiveAsync(1, visibility);
            _time.Advance(visibility);
        }

        var calls = 0;
        await CreateSut(new QueueProcessorOptions { MaxDequeueCount = 2 }).ProcessBatchAsync((_, _) =>
        {
            calls++;
            return Task.CompletedTask;
        });

        Assert.Equal(0, calls);
        var poisoned = Assert.Single(await PeekAsync(_poison));
        Assert.StartsWith("Delivered 2 times without an outcome", poisoned.LastError, StringComparison.Ordinal);
    }

    private QueueProcessor CreateSut(QueueProcessorOptions? options = null) => new(_queue, options, _time);

    private static async Task<List<QueueMessage>> PeekAsync(StoreQueue queue)
    {
        var messages = new List<QueueMessage>();
        await foreach (var message in queue.PeekAllAsync())
        {
            messages.Add(message);
        }

        return messages;
    }
}
