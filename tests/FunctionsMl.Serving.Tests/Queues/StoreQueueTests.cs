using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Queues;

public sealed class StoreQueueTests : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);

    private readonly TemporaryDirectory _root = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task EnqueueAsync_ThenANewQueueOnTheSameFolder_ReceivesTheMessage()
    {
        var id = await CreateSut().EnqueueAsync("""{"id": "r1"}""");

        // A new store and queue over the same folder stand for a restarted process.
        var received = await CreateSut().ReceiveAsync(10, Visibility);

        var message = Assert.Single(received);
        Assert.Equal((id, """{"id": "r1"}""", 1L), (message.Id, message.Text, message.DequeueCount));
    }

    [Fact]
    public async Task ReceiveAsync_HidesTheMessageUntilItsVisibilityRunsOut()
    {
        var queue = CreateSut();
        await queue.EnqueueAsync("m");
        await queue.ReceiveAsync(1, Visibility);

        Assert.Empty(await queue.ReceiveAsync(1, Visibility));
        _time.Advance(Visibility);
        var again = Assert.Single(await queue.ReceiveAsync(1, Visibility));
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task ReceiveAsync_ReturnsMessagesInEnqueueOrderUpToTheLimit()
    {
        var queue = CreateSut();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await queue.EnqueueAsync($"m{i}"));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var first = await queue.ReceiveAsync(3, Visibility);
        var rest = await queue.ReceiveAsync(10, Visibility);

        Assert.Equal(["m0", "m1", "m2"], first.Select(m => m.Text));
        Assert.Equal(["m3", "m4"], rest.Select(m => m.Text));
        Assert.Equal(ids, first.Concat(rest).Select(m => m.Id));
    }

    [Fact]
    public async Task CompleteAsync_AfterTheReceiptExpiredAndAnotherReceiverTookIt_LeavesTheMessage()
    {
        var queue = CreateSut();
        await queue.EnqueueAsync("m");
        var stale = Assert.Single(await queue.ReceiveAsync(1, Visibility));
        _time.Advance(Visibility);
        var current = Assert.Single(await queue.ReceiveAsync(1, Visibility));

        Assert.False(await queue.CompleteAsync(stale));
        Assert.True(await queue.CompleteAsync(current));
        Assert.Empty(await PeekAsync(queue));
    }

    [Fact]
    public async Task ReleaseAsync_MakesTheMessageVisibleAfterTheDelayWithTheError()
    {
        var queue = CreateSut();
        await queue.EnqueueAsync("m");
        var message = Assert.Single(await queue.ReceiveAsync(1, Visibility));

        await queue.ReleaseAsync(message, TimeSpan.FromSeconds(4), "IOException: disk");

        Assert.Empty(await queue.ReceiveAsync(1, Visibility));
        _time.Advance(TimeSpan.FromSeconds(4));
        var again = Assert.Single(await queue.ReceiveAsync(1, Visibility));
        Assert.Equal(("IOException: disk", 2L), (again.LastError, again.DequeueCount));
    }

    [Fact]
    public async Task EnqueueAsync_WithAnIdAlreadyThere_WritesNothing()
    {
        var queue = CreateSut();

        await queue.EnqueueAsync("first", "result-1");
        await queue.EnqueueAsync("second", "result-1");

        Assert.Equal(["first"], (await PeekAsync(queue)).Select(m => m.Text));
    }

    [Fact]
    public async Task MoveToPoisonAsync_MovesTheMessageWithItsReasonToTheQueueDashPoison()
    {
        var store = Store();
        var queue = new StoreQueue(store, "scoring-requests", _time);
        await queue.EnqueueAsync("bad");
        var message = Assert.Single(await queue.ReceiveAsync(1, Visibility));

        Assert.True(await queue.MoveToPoisonAsync(message, "not JSON"));

        Assert.Empty(await PeekAsync(queue));
        var poisoned = Assert.Single(await PeekAsync(new StoreQueue(store, "scoring-requests-poison", _time)));
        Assert.Equal((message.Id, "bad", "not JSON", 1L), (poisoned.Id, poisoned.Text, poisoned.LastError, poisoned.DequeueCount));
    }

    [Fact]
    public async Task ReceiveAsync_TwoReceiversRacing_EachMessageGoesToOne()
    {
        var queue = CreateSut();
        for (var i = 0; i < 20; i++)
        {
            await queue.EnqueueAsync($"m{i}");
        }

        var batches = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => CreateSut().ReceiveAsync(20, Visibility))));

        var texts = batches.SelectMany(b => b).Select(m => m.Text).ToList();
        Assert.Equal(20, texts.Count);
        Assert.Equal(20, texts.Distinct().Count());
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Scoring")]
    [InlineData("-scoring")]
    [InlineData("scoring--requests")]
    public void Constructor_InvalidQueueName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => new StoreQueue(new InMemoryObjectStore(), name, _time));
    }

    private StoreQueue CreateSut() => new(Store(), "scoring-requests", _time);

    private FileSystemObjectStore Store() =>
        new(new FileSystemObjectStoreOptions { RootDirectory = _root.Path, FlushToDisk = false }, _time);

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
