using System.Collections.Concurrent;
using System.Text;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Storage;

/// <summary>
/// The contract every <see cref="IObjectStore"/> must keep. A store's test class derives from this and
/// says how to make a fresh, empty store; a later project (the Azure blob store) can link this file.
/// </summary>
public abstract class ObjectStoreContractTests
{
    private const string Path = "models/iris/aliases.json";

    private readonly Lazy<IObjectStore> _store;

    protected ObjectStoreContractTests()
    {
        // Lazy, so a subclass's fields are set before CreateStore runs; thread-safe, as tests race on it.
        _store = new Lazy<IObjectStore>(() => CreateStore(Time), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    protected ManualTimeProvider Time { get; } = new();

    protected IObjectStore Store => _store.Value;

    /// <summary>
    /// Whether the store stamps writes with the <see cref="TimeProvider"/> it was made with. A remote store
    /// (blob storage) uses the server's clock instead; it overrides this to false.
    /// </summary>
    protected virtual bool StampsWritesWithTimeProvider => true;

    /// <summary>A fresh, empty store; <paramref name="timeProvider"/> is the test's clock.</summary>
    protected abstract IObjectStore CreateStore(TimeProvider timeProvider);

    public static TheoryData<string> InvalidPaths => new()
    {
        "",
        "models",
        "models/",
        "/models/iris",
        "models//iris",
        "models/iris/",
        "models/../secrets",
        "models/iris/..",
        "models/./iris",
        "models\\iris",
        "Models/iris",
        "md/iris",
        "-models/iris",
        "mod--els/iris",
        "models/iris data.csv",
        "models/iris/%2e%2e",
        "models/.hidden",
        "models/trailing.",
        "models/con",
        "models/nul.txt",
        "models/" + new string('a', 201),
        "models/é",
    };

    public static TheoryData<string> InvalidPrefixes => new()
    {
        "",
        "models",
        "/models/",
        "models//",
        "../",
        "models/../",
        "models/a b",
        "Models/",
    };

    [Fact]
    public async Task WriteAsync_ThenReadAsync_ReturnsTheContentWithTheReturnedETag()
    {
        string eTag = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        StoredObject? read = await Store.ReadAsync(Path);

        Assert.NotNull(read);
        Assert.Equal("v1", Text(read));
        Assert.Equal(eTag, read.ETag);
    }

    [Fact]
    public async Task WriteAsync_EmptyContent_RoundTrips()
    {
        await Store.WriteAsync(Path, ReadOnlyMemory<byte>.Empty, WriteCondition.IfNoneMatch);

        StoredObject? read = await Store.ReadAsync(Path);

        Assert.NotNull(read);
        Assert.Equal(0, read.Content.Length);
    }

    [Fact]
    public async Task ReadAsync_Absent_ReturnsNull()
    {
        Assert.Null(await Store.ReadAsync(Path));
        Assert.Null(await Store.OpenReadAsync(Path));
        Assert.Null(await Store.GetETagAsync(Path));
    }

    [Fact]
    public async Task WriteAsync_SameContentTwice_ChangesTheETag()
    {
        string first = await Store.WriteAsync(Path, Bytes("same"), WriteCondition.None);
        string second = await Store.WriteAsync(Path, Bytes("same"), WriteCondition.None);

        Assert.NotEqual(first, second);
        Assert.Equal(second, await Store.GetETagAsync(Path));
    }

    [Fact]
    public async Task WriteAsync_LastModified_IsTheSameWhenReadAndListed()
    {
        Time.Advance(TimeSpan.FromMinutes(5));
        await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        StoredObject? read = await Store.ReadAsync(Path);
        StoredObjectInfo listed = Assert.Single(await ListAsync("models/"));

        Assert.Equal(read!.LastModified, listed.LastModified);
        if (StampsWritesWithTimeProvider)
        {
            Assert.Equal(Time.GetUtcNow(), read.LastModified);
        }
    }

    [Fact]
    public async Task GetETagAsync_AfterWrite_EqualsTheETagReadWithTheContent()
    {
        await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        string? head = await Store.GetETagAsync(Path);
        StoredObject? read = await Store.ReadAsync(Path);

        Assert.Equal(read!.ETag, head);
    }

    [Fact]
    public async Task WriteAsync_IfNoneMatchWhenAbsent_Creates()
    {
        string eTag = await Store.WriteAsync(Path, Bytes("created"), WriteCondition.IfNoneMatch);

        Assert.Equal(eTag, await Store.GetETagAsync(Path));
    }

    [Fact]
    public async Task WriteAsync_IfNoneMatchWhenPresent_ThrowsAndKeepsTheOldContent()
    {
        string original = await Store.WriteAsync(Path, Bytes("original"), WriteCondition.None);

        var failure = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync(Path, Bytes("intruder"), WriteCondition.IfNoneMatch));

        Assert.Equal(Path, failure.Path);
        Assert.Equal(WriteConditionKind.IfNoneMatch, failure.Condition.Kind);
        StoredObject? read = await Store.ReadAsync(Path);
        Assert.Equal("original", Text(read));
        Assert.Equal(original, read!.ETag);
    }

    [Fact]
    public async Task WriteAsync_IfMatchCurrentETag_Replaces()
    {
        string first = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        string second = await Store.WriteAsync(Path, Bytes("v2"), WriteCondition.IfMatch(first));

        StoredObject? read = await Store.ReadAsync(Path);
        Assert.Equal("v2", Text(read));
        Assert.Equal(second, read!.ETag);
    }

    [Fact]
    public async Task WriteAsync_IfMatchStaleETag_ThrowsAndKeepsTheNewerContent()
    {
        string stale = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);
        string current = await Store.WriteAsync(Path, Bytes("v2"), WriteCondition.None);

        var failure = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync(Path, Bytes("lost update"), WriteCondition.IfMatch(stale)));

        Assert.Equal(Path, failure.Path);
        StoredObject? read = await Store.ReadAsync(Path);
        Assert.Equal("v2", Text(read));
        Assert.Equal(current, read!.ETag);
    }

    [Fact]
    public async Task WriteAsync_IfMatchWhenAbsent_ThrowsAndCreatesNothing()
    {
        await Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync(Path, Bytes("v1"), WriteCondition.IfMatch("\"made-up\"")));

        Assert.Null(await Store.ReadAsync(Path));
        Assert.Empty(await ListAsync("models/"));
    }

    [Fact]
    public async Task WriteAsync_FromStream_RoundTripsLargeContentThroughOpenReadAsync()
    {
        byte[] large = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(large);

        string eTag = await Store.WriteAsync(Path, new MemoryStream(large), WriteCondition.IfNoneMatch);

        await using Stream? read = await Store.OpenReadAsync(Path);
        Assert.NotNull(read);
        Assert.False(read.CanWrite);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(large, copy.ToArray());
        Assert.Equal(eTag, await Store.GetETagAsync(Path));
    }

    [Fact]
    public async Task WriteAsync_FromStreamIfMatchStale_ThrowsAndKeepsTheOldContent()
    {
        string stale = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);
        await Store.WriteAsync(Path, Bytes("v2"), WriteCondition.None);

        await Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync(Path, new MemoryStream(Bytes("v3")), WriteCondition.IfMatch(stale)));

        Assert.Equal("v2", Text(await Store.ReadAsync(Path)));
    }

    [Fact]
    public async Task OpenReadAsync_WhileTheObjectIsReplaced_KeepsReadingTheVersionItOpened()
    {
        byte[] first = new byte[256 * 1024];
        first.AsSpan().Fill((byte)'a');
        await Store.WriteAsync(Path, first, WriteCondition.None);

        await using Stream? reading = await Store.OpenReadAsync(Path);
        byte[] start = new byte[1024];
        await reading!.ReadExactlyAsync(start);
        await Store.WriteAsync(Path, Bytes("replaced"), WriteCondition.None);
        using var rest = new MemoryStream();
        await reading.CopyToAsync(rest);

        Assert.Equal(first.Length, start.Length + rest.Length);
        Assert.All(rest.ToArray(), b => Assert.Equal((byte)'a', b));
        Assert.Equal("replaced", Text(await Store.ReadAsync(Path)));
    }

    [Fact]
    public async Task DeleteAsync_Present_DeletesAndReturnsTrue()
    {
        await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        Assert.True(await Store.DeleteAsync(Path, WriteCondition.None));

        Assert.Null(await Store.ReadAsync(Path));
        Assert.Empty(await ListAsync("models/"));
    }

    [Fact]
    public async Task DeleteAsync_Absent_ReturnsFalse()
    {
        Assert.False(await Store.DeleteAsync(Path, WriteCondition.None));
    }

    [Fact]
    public async Task DeleteAsync_IfMatchCurrentETag_Deletes()
    {
        string eTag = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        Assert.True(await Store.DeleteAsync(Path, WriteCondition.IfMatch(eTag)));

        Assert.Null(await Store.GetETagAsync(Path));
    }

    [Fact]
    public async Task DeleteAsync_IfMatchStaleETag_ThrowsAndKeepsTheObject()
    {
        string stale = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);
        await Store.WriteAsync(Path, Bytes("v2"), WriteCondition.None);

        var failure = await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.DeleteAsync(Path, WriteCondition.IfMatch(stale)));

        Assert.Equal(Path, failure.Path);
        Assert.Equal("v2", Text(await Store.ReadAsync(Path)));
    }

    [Fact]
    public async Task DeleteAsync_IfMatchWhenAbsent_Throws()
    {
        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.DeleteAsync(Path, WriteCondition.IfMatch("\"gone\"")));
    }

    [Fact]
    public async Task DeleteAsync_IfNoneMatch_ThrowsArgumentException()
    {
        await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        var failure = await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(Path, WriteCondition.IfNoneMatch));

        Assert.Equal("condition", failure.ParamName);
        Assert.NotNull(await Store.GetETagAsync(Path));
    }

    [Fact]
    public async Task DeleteAsync_ThenWriteIfNoneMatch_CreatesAgain()
    {
        await Store.WriteAsync("models/iris/versions/1/model.fml", Bytes("v1"), WriteCondition.None);
        await Store.DeleteAsync("models/iris/versions/1/model.fml", WriteCondition.None);

        await Store.WriteAsync("models/iris/versions/1/model.fml", Bytes("again"), WriteCondition.IfNoneMatch);

        Assert.Equal("again", Text(await Store.ReadAsync("models/iris/versions/1/model.fml")));
    }

    [Fact]
    public async Task ListAsync_ReturnsObjectsUnderThePrefixInOrdinalOrder()
    {
        string[] paths =
        [
            "models/iris/versions/10/model.fml",
            "models/iris/versions/2/model.fml",
            "models/iris/a/b",
            "models/iris/a-b",
            "models/iris/a.b",
            "models/iris/A",
            "models/irises/model.json",
            "models/wine/aliases.json",
            "training/iris/rows.csv",
        ];
        foreach (string path in paths)
        {
            await Store.WriteAsync(path, Bytes(path), WriteCondition.IfNoneMatch);
        }

        IReadOnlyList<StoredObjectInfo> iris = await ListAsync("models/iris/");
        IReadOnlyList<StoredObjectInfo> partial = await ListAsync("models/iris");
        IReadOnlyList<StoredObjectInfo> versions = await ListAsync("models/iris/versions/1");

        Assert.Equal(
            ["models/iris/A", "models/iris/a-b", "models/iris/a.b", "models/iris/a/b", "models/iris/versions/10/model.fml", "models/iris/versions/2/model.fml"],
            iris.Select(i => i.Path));
        Assert.Equal(iris.Select(i => i.Path).Append("models/irises/model.json"), partial.Select(i => i.Path));
        Assert.Equal(["models/iris/versions/10/model.fml"], versions.Select(i => i.Path));
        Assert.Empty(await ListAsync("scored/"));
    }

    [Fact]
    public async Task ListAsync_ReportsSizeAndETagOfEachObject()
    {
        string eTag = await Store.WriteAsync("training/iris/rows.csv", Bytes("a,b\n1,2\n"), WriteCondition.None);

        StoredObjectInfo info = Assert.Single(await ListAsync("training/"));

        Assert.Equal("training/iris/rows.csv", info.Path);
        Assert.Equal(8, info.Size);
        Assert.Equal(eTag, info.ETag);
    }

    [Theory]
    [MemberData(nameof(InvalidPaths))]
    public async Task EveryOperation_InvalidPath_ThrowsArgumentExceptionNamingThePath(string path)
    {
        var failures = new List<ArgumentException>
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ReadAsync(path)),
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.OpenReadAsync(path)),
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteAsync(path, Bytes("x"), WriteCondition.None)),
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteAsync(path, new MemoryStream(Bytes("x")), WriteCondition.None)),
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(path, WriteCondition.None)),
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetETagAsync(path)),
        };

        Assert.All(failures, failure =>
        {
            Assert.Equal("path", failure.ParamName);
            Assert.Contains($"'{path}'", failure.Message, StringComparison.Ordinal);
        });
    }

    [Theory]
    [MemberData(nameof(InvalidPrefixes))]
    public async Task ListAsync_InvalidPrefix_ThrowsArgumentException(string prefix)
    {
        var failure = await Assert.ThrowsAnyAsync<ArgumentException>(() => ListAsync(prefix));

        Assert.Equal("prefix", failure.ParamName);
    }

    [Fact]
    public async Task ReadAsync_PathTraversal_SaysSo()
    {
        var failure = await Assert.ThrowsAsync<ArgumentException>(() => Store.ReadAsync("models/../../etc/passwd"));

        Assert.Contains("path traversal", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryOperation_CancelledToken_ThrowsAndChangesNothing()
    {
        string eTag = await Store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        CancellationToken token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReadAsync(Path, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.OpenReadAsync(Path, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.WriteAsync(Path, Bytes("v2"), WriteCondition.None, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.WriteAsync(Path, new MemoryStream(Bytes("v2")), WriteCondition.None, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.DeleteAsync(Path, WriteCondition.None, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetETagAsync(Path, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (StoredObjectInfo unused in Store.ListAsync("models/", token))
            {
            }
        });

        StoredObject? read = await Store.ReadAsync(Path);
        Assert.Equal("v1", Text(read));
        Assert.Equal(eTag, read!.ETag);
    }

    [Fact]
    public async Task WriteAsync_ManyWritersWithTheSameETag_ExactlyOneWins()
    {
        string start = await Store.WriteAsync(Path, Bytes("start"), WriteCondition.None);
        const int writers = 16;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            try
            {
                return (Writer: i, ETag: await Store.WriteAsync(Path, Bytes($"writer {i}"), WriteCondition.IfMatch(start)));
            }
            catch (PreconditionFailedException)
            {
                return (Writer: i, ETag: (string?)null);
            }
        })));

        var winner = Assert.Single(outcomes, o => o.ETag is not null);
        StoredObject? read = await Store.ReadAsync(Path);
        Assert.Equal($"writer {winner.Writer}", Text(read));
        Assert.Equal(winner.ETag, read!.ETag);
    }

    [Fact]
    public async Task WriteAsync_ManyCreatorsOfOnePath_ExactlyOneWins()
    {
        const int creators = 16;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, creators).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.WriteAsync(Path, Bytes($"creator {i}"), WriteCondition.IfNoneMatch);
                return i;
            }
            catch (PreconditionFailedException)
            {
                return -1;
            }
        })));

        int winner = Assert.Single(outcomes, o => o >= 0);
        Assert.Equal($"creator {winner}", Text(await Store.ReadAsync(Path)));
    }

    [Fact]
    public async Task WriteAsync_ConcurrentCompareAndSwapIncrements_LoseNoUpdate()
    {
        const int workers = 6;
        const int increments = 15;
        await Store.WriteAsync(Path, Bytes("0"), WriteCondition.IfNoneMatch);

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (int done = 0; done < increments;)
            {
                StoredObject current = (await Store.ReadAsync(Path))!;
                int value = int.Parse(Text(current), System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    await Store.WriteAsync(Path, Bytes((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), WriteCondition.IfMatch(current.ETag));
                    done++;
                }
                catch (PreconditionFailedException)
                {
                }
            }
        })));

        Assert.Equal((workers * increments).ToString(System.Globalization.CultureInfo.InvariantCulture), Text(await Store.ReadAsync(Path)));
    }

    [Fact]
    public async Task ReadAsync_DuringConcurrentWrites_AlwaysPairsContentWithItsOwnETag()
    {
        var written = new ConcurrentDictionary<string, string>();
        var observed = new ConcurrentBag<(string ETag, string Content)>();
        written[await Store.WriteAsync(Path, Bytes("initial"), WriteCondition.None)] = "initial";
        const int readers = 3;
        using var allReading = new CountdownEvent(readers);
        var writerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task[] reading = Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            bool first = true;
            do
            {
                StoredObject read = (await Store.ReadAsync(Path))!;
                observed.Add((read.ETag, Text(read)));
                if (first)
                {
                    allReading.Signal();
                    first = false;
                }
            }
            while (!writerDone.Task.IsCompleted);
        })).ToArray();
        Task writer = Task.Run(async () =>
        {
            allReading.Wait(TimeSpan.FromSeconds(10));
            for (int i = 0; i < 60; i++)
            {
                // Alternate two contents so that identical bytes are rewritten under new ETags.
                string content = i % 2 == 0 ? "even" : "odd";
                written[await Store.WriteAsync(Path, Bytes(content), WriteCondition.None)] = content;
            }

            writerDone.SetResult();
        });
        await writer;
        await Task.WhenAll(reading);

        Assert.NotEmpty(observed);
        Assert.All(observed, o => Assert.Equal(written[o.ETag], o.Content));
    }

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(StoredObject? stored)
    {
        Assert.NotNull(stored);
        return Encoding.UTF8.GetString(stored.Content.Span);
    }

    protected async Task<IReadOnlyList<StoredObjectInfo>> ListAsync(string prefix)
    {
        var items = new List<StoredObjectInfo>();
        await foreach (StoredObjectInfo info in Store.ListAsync(prefix))
        {
            items.Add(info);
        }

        return items;
    }
}
