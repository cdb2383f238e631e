using System.Text;
using FunctionsMl.Engine.Data;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.Scoring;

/// <summary>What happens when the store fails, the caller gives up, or another scorer takes a file over.</summary>
public sealed class FileScorerFailureTests
{
    private const string Input = "incoming/iris/batch.csv";

    private readonly StubModelResolver _resolver = new StubModelResolver().With("iris", "1", ScoringTestModels.Iris);

    [Fact]
    public async Task ScoreAsync_StoreFailsWritingTheOutput_ThrowsForARetryAndCommitsNothing()
    {
        var inner = new InMemoryObjectStore();
        await StoreText.WriteAsync(inner, Input, IrisCsv(repeat: 10));
        var store = new FailingStore(inner, path => path == "scored/iris/batch.csv");

        await Assert.ThrowsAsync<IOException>(() => new FileScorer(store, _resolver, TimeProvider.System).ScoreAsync(Input));

        Assert.NotNull(await inner.GetETagAsync(Input));
        Assert.Empty(await StoreText.ListAsync(inner, "scored/"));
        Assert.Empty(await StoreText.ListAsync(inner, "failed/"));

        // The retry the trigger makes succeeds once the store does.
        store.Failing = false;
        var retried = await new FileScorer(store, _resolver, TimeProvider.System).ScoreAsync(Input);
        Assert.Equal(1500, retried.Summary!.Scored);
    }

    [Fact]
    public async Task ScoreAsync_Cancelled_ThrowsAndLeavesTheInputForTheNextAttempt()
    {
        var store = new InMemoryObjectStore();
        await StoreText.WriteAsync(store, Input, IrisCsv(repeat: 400));
        using var cancellation = new CancellationTokenSource();
        var slow = new FailingStore(store, _ => false) { OnWrite = () => cancellation.Cancel() };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FileScorer(slow, _resolver, TimeProvider.System, new FileScoringOptions { BlockRows = 64 }).ScoreAsync(Input, cancellation.Token));

        Assert.NotNull(await store.GetETagAsync(Input));
        Assert.Empty(await StoreText.ListAsync(store, "scored/"));
    }

    [Fact]
    public async Task Lease_TakenOverByAnotherScorer_SignalsLostAndCannotCommit()
    {
        var store = new InMemoryObjectStore();
        await using var lease = await FileLease.TryAcquireAsync(store, TimeProvider.System, "scored/iris/batch.csv.lease.json", "\"e1\"", TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.NotNull(lease);
        Assert.Null(await FileLease.TryAcquireAsync(store, TimeProvider.System, lease.Path, "\"e1\"", TimeSpan.FromSeconds(1), CancellationToken.None));

        // Someone else overwrites the claim, as a scorer taking over after an expiry would.
        await StoreText.WriteAsync(store, lease.Path, "{}");
        await Task.Delay(TimeSpan.FromSeconds(1), lease.Lost).ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.True(lease.Lost.IsCancellationRequested);
        Assert.Throws<LeaseLostException>(lease.EnsureHeld);
    }

    [Fact]
    public async Task Lease_HeldLongerThanItsDuration_IsRenewedAndNotTakenOver()
    {
        var store = new InMemoryObjectStore();
        await using var lease = await FileLease.TryAcquireAsync(store, TimeProvider.System, "scored/iris/batch.csv.lease.json", "\"e1\"", TimeSpan.FromSeconds(1.5), CancellationToken.None);

        // Renewals come every 0.5 s; only a stall of a whole 1.5 s would let the claim lapse.
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Null(await FileLease.TryAcquireAsync(store, TimeProvider.System, lease!.Path, "\"e1\"", TimeSpan.FromSeconds(1), CancellationToken.None));
        lease.EnsureHeld();
    }

    [Fact]
    public async Task ScoredOutputStream_ReadInSmallPieces_GivesTheSameBytesAsCopyTo()
    {
        var copied = await ScoreToBytesAsync(async (stream, output) => await stream.CopyToAsync(output));
        var read = await ScoreToBytesAsync(async (stream, output) =>
        {
            var buffer = new byte[7];
            int count;
            while ((count = await stream.ReadAsync(buffer)) > 0)
            {
                output.Write(buffer, 0, count);
            }
        });

        Assert.True(copied.Length > 10_000);
        Assert.Equal(copied, read);
    }

    private static async Task<byte[]> ScoreToBytesAsync(Func<Stream, MemoryStream, Task> drain)
    {
        using var rejects = new RejectedRows();
        using var reader = new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(IrisCsv(repeat: 2))));
        await using var pipeline = new ScoringPipeline(reader, DataFormat.Csv, ScoringTestModels.Iris, "1", rejects, new FileScoringOptions { BlockRows = 16, Workers = 2 });
        pipeline.Start(CancellationToken.None);
        var output = new MemoryStream();
        await drain(new ScoredOutputStream(pipeline), output);
        Assert.Equal(new ScoringCounts(300, 300, 0), pipeline.Counts);
        return output.ToArray();
    }

    private static string IrisCsv(int repeat)
    {
        var lines = ScoringTestModels.IrisFeatureLines();
        var text = new StringBuilder(lines[0]).Append('\n');
        for (var r = 0; r < repeat; r++)
        {
            foreach (var line in lines.Skip(1))
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>A store whose streamed writes to chosen paths fail part way, as a lost connection would.</summary>
    private sealed class FailingStore(IObjectStore inner, Func<string, bool> fails) : IObjectStore
    {
        public bool Failing { get; set; } = true;

        public Action? OnWrite { get; init; }

        public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default) => inner.ReadAsync(path, cancellationToken);

        public Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

        public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(path, content, condition, cancellationToken);

        public async Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
        {
            OnWrite?.Invoke();
            if (Failing && fails(path))
            {
                var buffer = new byte[1024];
                await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                throw new IOException($"The connection to the store was lost while writing '{path}'.");
            }

            return await inner.WriteAsync(path, content, condition, cancellationToken);
        }

        public IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, condition, cancellationToken);

        public Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default) => inner.GetETagAsync(path, cancellationToken);
    }
}
