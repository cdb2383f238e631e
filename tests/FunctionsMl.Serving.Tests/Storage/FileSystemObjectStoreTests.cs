using System.Text;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Storage;

/// <summary>What only the file-system store has to prove: crash safety and atomicity across processes.</summary>
public sealed class FileSystemObjectStoreTests : IDisposable
{
    private const string Path = "models/iris/aliases.json";

    private readonly TemporaryDirectory _root = new();
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task WriteAsync_StoresTheObjectAtItsPathUnderTheRoot()
    {
        FileSystemObjectStore store = CreateSut();

        await store.WriteAsync(Path, Bytes("v1"), WriteCondition.None);

        Assert.True(File.Exists(System.IO.Path.Combine(_root.Path, "models", "iris", "aliases.json")));
        Assert.Equal(_root.Path, store.RootDirectory);
    }

    [Fact]
    public async Task TemporaryFileOfAnInterruptedWrite_IsInvisibleAndLeavesTheOldContent()
    {
        FileSystemObjectStore store = CreateSut();
        string eTag = await store.WriteAsync(Path, Bytes("old"), WriteCondition.None);
        string leftover = LeaveTemporaryFile("aliases.json", "half a new vers");

        StoredObject? read = await store.ReadAsync(Path);
        IReadOnlyList<StoredObjectInfo> listed = await ListAsync(store, "models/");

        Assert.Equal("old", Text(read));
        Assert.Equal(eTag, read!.ETag);
        Assert.Equal([Path], listed.Select(i => i.Path));
        Assert.True(File.Exists(leftover), "a fresh temporary file may belong to a live write and must be kept");
    }

    [Fact]
    public async Task RemoveAbandonedTemporaryFilesAsync_RemovesOnlyOldOnes()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync(Path, Bytes("old"), WriteCondition.None);
        string old = LeaveTemporaryFile("aliases.json", "abandoned");
        _time.Advance(FileSystemObjectStoreDefaults.AbandonedTemporaryFileAge + TimeSpan.FromMinutes(1));
        string fresh = LeaveTemporaryFile("aliases.json", "live");

        int removed = await store.RemoveAbandonedTemporaryFilesAsync();

        Assert.Equal(1, removed);
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(fresh));
        Assert.Equal("old", Text(await store.ReadAsync(Path)));
    }

    [Fact]
    public async Task ListAsync_OverAFolderWithAnAbandonedTemporaryFile_RemovesIt()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync(Path, Bytes("old"), WriteCondition.None);
        string old = LeaveTemporaryFile("aliases.json", "abandoned");
        _time.Advance(TimeSpan.FromDays(1));

        await ListAsync(store, "models/");

        Assert.False(File.Exists(old));
    }

    [Fact]
    public async Task ListAsync_RacingWrites_NeverRemovesALiveWritesTemporaryFile()
    {
        // A clock far from the real one: cleanup must still not mistake a file being created for an old one.
        var future = new ManualTimeProvider(DateTimeOffset.UtcNow.AddYears(5));
        var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootDirectory = _root.Path, FlushToDisk = false }, future);
        Task writes = Task.Run(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await store.WriteAsync($"models/iris/object-{i % 3}", Bytes($"{i}"), WriteCondition.None);
            }
        });

        while (!writes.IsCompleted)
        {
            await ListAsync(store, "models/");
        }

        await writes;
        Assert.Equal(3, (await ListAsync(store, "models/iris/")).Count);
    }

    [Fact]
    public async Task WriteAsync_ContentStreamFailsMidway_LeavesTheOldContentAndNoTemporaryFile()
    {
        FileSystemObjectStore store = CreateSut();
        string eTag = await store.WriteAsync(Path, Bytes("old"), WriteCondition.None);

        await Assert.ThrowsAsync<IOException>(() => store.WriteAsync(Path, new FailingStream(64 * 1024), WriteCondition.None));

        Assert.Equal(eTag, await store.GetETagAsync(Path));
        Assert.Equal("old", Text(await store.ReadAsync(Path)));
        Assert.Equal(["aliases.json"], FilesIn("models", "iris"));
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileCopying_LeavesTheOldContentAndNoTemporaryFile()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync(Path, Bytes("old"), WriteCondition.None);
        using var cancel = new CancellationTokenSource();
        var endless = new EndlessStream(afterBytes: 128 * 1024, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync(Path, endless, WriteCondition.None, cancel.Token));

        Assert.Equal("old", Text(await store.ReadAsync(Path)));
        Assert.Equal(["aliases.json"], FilesIn("models", "iris"));
    }

    [Fact]
    public async Task ReadAsync_TruncatedFile_ThrowsInvalidDataNamingTheObject()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync(Path, Bytes("{\"aliases\":{}}"), WriteCondition.None);
        string file = System.IO.Path.Combine(_root.Path, "models", "iris", "aliases.json");
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length - 3);
        }

        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadAsync(Path));

        Assert.Contains(Path, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_FilePutThereByAnotherTool_ThrowsInvalidData()
    {
        FileSystemObjectStore store = CreateSut();
        Directory.CreateDirectory(System.IO.Path.Combine(_root.Path, "incoming", "iris"));
        await File.WriteAllTextAsync(System.IO.Path.Combine(_root.Path, "incoming", "iris", "rows.csv"), "a,b\n1,2\n");

        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadAsync("incoming/iris/rows.csv"));

        Assert.Contains("not an object file of this store", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_AFileThatIsNotAnObject_IsSkippedAndTheRestListed()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync("incoming/iris/a.csv", Bytes("a"), WriteCondition.None);
        await store.WriteAsync("incoming/iris/c.csv", Bytes("c"), WriteCondition.None);
        await File.WriteAllTextAsync(System.IO.Path.Combine(_root.Path, "incoming", "iris", "b.csv"), "dropped by hand");

        IReadOnlyList<StoredObjectInfo> listed = await ListAsync(store, "incoming/");

        Assert.Equal(["incoming/iris/a.csv", "incoming/iris/c.csv"], listed.Select(i => i.Path));
    }

    [Fact]
    public async Task ReadAsync_PathThatIsAFolderOfObjects_IsAbsent()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync("models/iris/versions/1/model.fml", Bytes("m"), WriteCondition.None);

        Assert.Null(await store.ReadAsync("models/iris/versions"));
        Assert.Null(await store.GetETagAsync("models/iris/versions"));
        Assert.False(await store.DeleteAsync("models/iris/versions", WriteCondition.None));
    }

    [Fact]
    public async Task WriteAsync_PathThatIsAFolderOfObjects_ThrowsIOExceptionSayingWhy()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync("models/iris/versions/1/model.fml", Bytes("m"), WriteCondition.None);

        var failure = await Assert.ThrowsAsync<IOException>(() => store.WriteAsync("models/iris/versions", Bytes("x"), WriteCondition.None));

        Assert.Contains("both an object and a folder", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_UnconditionalOverADamagedFile_Replaces()
    {
        FileSystemObjectStore store = CreateSut();
        Directory.CreateDirectory(System.IO.Path.Combine(_root.Path, "models", "iris"));
        await File.WriteAllTextAsync(System.IO.Path.Combine(_root.Path, "models", "iris", "aliases.json"), "junk");

        await store.WriteAsync(Path, Bytes("repaired"), WriteCondition.None);

        Assert.Equal("repaired", Text(await store.ReadAsync(Path)));
    }

    [Fact]
    public async Task DeleteAsync_LastObjectOfAFolder_RemovesTheEmptyFoldersButNotTheContainer()
    {
        FileSystemObjectStore store = CreateSut();
        await store.WriteAsync("models/iris/versions/1/model.fml", Bytes("m"), WriteCondition.None);

        await store.DeleteAsync("models/iris/versions/1/model.fml", WriteCondition.None);

        Assert.False(Directory.Exists(System.IO.Path.Combine(_root.Path, "models", "iris")));
        Assert.True(Directory.Exists(System.IO.Path.Combine(_root.Path, "models")));
    }

    [Fact]
    public void Constructor_InvalidOption_ThrowsNamingIt()
    {
        var options = new FileSystemObjectStoreOptions { RootDirectory = _root.Path, AbandonedTemporaryFileAge = TimeSpan.FromSeconds(1) };

        var failure = Assert.Throws<ArgumentOutOfRangeException>(() => new FileSystemObjectStore(options));

        Assert.Equal(nameof(FileSystemObjectStoreOptions.AbandonedTemporaryFileAge), failure.ParamName);
    }

    [Fact]
    public async Task WriteAsync_TwoStoresOnOneFolderRacingWithTheSameETag_ExactlyOneWins()
    {
        // Two instances share nothing in memory, as two processes would not; only the file locks order them.
        FileSystemObjectStore first = CreateSut();
        FileSystemObjectStore second = CreateSut();
        string start = await first.WriteAsync(Path, Bytes("start"), WriteCondition.None);

        for (int round = 0; round < 20; round++)
        {
            string expected = (await first.GetETagAsync(Path))!;
            Task<string?> a = TryWriteAsync(first, "a", expected);
            Task<string?> b = TryWriteAsync(second, "b", expected);
            string?[] results = await Task.WhenAll(a, b);

            Assert.Single(results, r => r is not null);
        }

        Assert.NotEqual(start, await first.GetETagAsync(Path));

        static async Task<string?> TryWriteAsync(IObjectStore store, string content, string eTag)
        {
            await Task.Yield();
            try
            {
                return await store.WriteAsync(Path, Bytes(content), WriteCondition.IfMatch(eTag));
            }
            catch (PreconditionFailedException)
            {
                return null;
            }
        }
    }

    [Fact]
    public async Task WriteAsync_ProcessesIncrementingByCompareAndSwap_LoseNoUpdate()
    {
        const int processes = 3;
        const int increments = 40;
        FileSystemObjectStore store = CreateSut();
        var probes = Enumerable.Range(0, processes).Select(_ => ProbeProcess.Start("increment", _root.Path, "training/race/counter", $"{increments}")).ToList();
        try
        {
            foreach (ProbeProcess probe in probes)
            {
                await probe.ExpectLineAsync("ready");
            }

            foreach (ProbeProcess probe in probes)
            {
                await probe.SendAsync("go");
            }

            foreach (ProbeProcess probe in probes)
            {
                string done = Assert.Single(await probe.ReadToEndAsync());
                Assert.StartsWith("done ", done, StringComparison.Ordinal);
            }

            Assert.Equal($"{processes * increments}", Text(await store.ReadAsync("training/race/counter")));
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task WriteAsync_ProcessesCreatingTheSamePaths_EachPathHasExactlyOneWinner()
    {
        const int processes = 3;
        const int paths = 30;
        FileSystemObjectStore store = CreateSut();
        var probes = Enumerable.Range(0, processes).Select(_ => ProbeProcess.Start("create", _root.Path, "training/race", $"{paths}")).ToList();
        try
        {
            foreach (ProbeProcess probe in probes)
            {
                await probe.ExpectLineAsync("ready");
            }

            foreach (ProbeProcess probe in probes)
            {
                await probe.SendAsync("go");
            }

            var winners = new Dictionary<string, int>();
            foreach (ProbeProcess probe in probes)
            {
                foreach (string line in await probe.ReadToEndAsync())
                {
                    if (line.StartsWith("won ", StringComparison.Ordinal))
                    {
                        string path = line["won ".Length..];
                        Assert.True(winners.TryAdd(path, probe.Id), $"{path} was created by two processes");
                    }
                }
            }

            Assert.Equal(paths, winners.Count);
            foreach ((string path, int winner) in winners)
            {
                Assert.Equal($"{winner}", Text(await store.ReadAsync(path)));
            }
        }
        finally
        {
            probes.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task WriteAsync_ProcessKilledMidWrite_LeavesTheOldContentAndAWorkingStore()
    {
        FileSystemObjectStore store = CreateSut();
        string eTag = await store.WriteAsync(Path, Bytes("old"), WriteCondition.None);

        using (ProbeProcess probe = ProbeProcess.Start("hang-write", _root.Path, Path, $"{4 * 1024 * 1024}"))
        {
            await probe.ExpectLineAsync("writing");
            Assert.Contains(FilesIn("models", "iris"), name => name.EndsWith(".tmp", StringComparison.Ordinal));
            Assert.Equal(0, await store.RemoveAbandonedTemporaryFilesAsync()); // The live write holds its file.
            await probe.KillAsync();
        }

        StoredObject? read = await store.ReadAsync(Path);
        Assert.Equal("old", Text(read));
        Assert.Equal(eTag, read!.ETag);
        Assert.Equal([Path], (await ListAsync(store, "models/")).Select(i => i.Path));

        string next = await store.WriteAsync(Path, Bytes("new"), WriteCondition.IfMatch(eTag));
        Assert.Equal(next, await store.GetETagAsync(Path));

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await store.RemoveAbandonedTemporaryFilesAsync());
        Assert.Equal(["aliases.json"], FilesIn("models", "iris"));
    }

    [Fact]
    public async Task WriteAsync_WhileAnotherProcessHoldsTheLock_WaitsAndSucceedsOnceThatProcessDies()
    {
        var options = new FileSystemObjectStoreOptions { RootDirectory = _root.Path, LockTimeout = TimeSpan.FromSeconds(20), FlushToDisk = false };
        var store = new FileSystemObjectStore(options, _time);
        using ProbeProcess probe = ProbeProcess.Start("hold-locks", _root.Path);
        await probe.ExpectLineAsync("locked");

        Task<string> write = store.WriteAsync(Path, Bytes("after the crash"), WriteCondition.IfNoneMatch);
        await Task.Delay(200);
        Assert.False(write.IsCompleted, "the write must wait while another process holds the lock");
        await probe.KillAsync();

        string eTag = await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(eTag, await store.GetETagAsync(Path));
    }

    [Fact]
    public async Task WriteAsync_LockHeldLongerThanTheTimeout_ThrowsTimeoutAndWritesNothing()
    {
        var options = new FileSystemObjectStoreOptions { RootDirectory = _root.Path, LockTimeout = TimeSpan.FromMilliseconds(300), FlushToDisk = false };
        var store = new FileSystemObjectStore(options, _time);
        using ProbeProcess probe = ProbeProcess.Start("hold-locks", _root.Path);
        await probe.ExpectLineAsync("locked");

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => store.WriteAsync(Path, Bytes("x"), WriteCondition.None));

        Assert.Contains(Path, failure.Message, StringComparison.Ordinal);
        Assert.Empty(FilesIn("models", "iris"));
    }

    private FileSystemObjectStore CreateSut() =>
        new(new FileSystemObjectStoreOptions { RootDirectory = _root.Path }, _time);

    private string LeaveTemporaryFile(string objectName, string content)
    {
        // What a writer killed before its rename leaves: a header stamped with the time it started, then part of the content.
        string folder = System.IO.Path.Combine(_root.Path, "models", "iris");
        Directory.CreateDirectory(folder);
        string file = System.IO.Path.Combine(folder, $".{objectName}.{Guid.NewGuid():n}.tmp");
        byte[] header = new byte[64];
        FunctionsMl.Serving.Storage.FileSystem.ObjectFileFormat.WriteHeader(header, 0, _time.GetUtcNow(), "0123456789abcdef0123456789abcdef");
        File.WriteAllBytes(file, [.. header, .. Bytes(content)]);
        return file;
    }

    private string[] FilesIn(params string[] folder)
    {
        string path = System.IO.Path.Combine([_root.Path, .. folder]);
        return Directory.Exists(path)
            ? Directory.GetFiles(path).Select(f => System.IO.Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    private static async Task<IReadOnlyList<StoredObjectInfo>> ListAsync(IObjectStore store, string prefix)
    {
        var items = new List<StoredObjectInfo>();
        await foreach (StoredObjectInfo info in store.ListAsync(prefix))
        {
            items.Add(info);
        }

        return items;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(StoredObject? stored)
    {
        Assert.NotNull(stored);
        return Encoding.UTF8.GetString(stored.Content.Span);
    }

    /// <summary>Yields some bytes, then fails as a broken upload would.</summary>
    private sealed class FailingStream(int failAfter) : MemoryStream(new byte[failAfter])
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new IOException("the upload broke");
        }
    }

    /// <summary>Yields bytes forever, cancelling its token after a while.</summary>
    private sealed class EndlessStream(int afterBytes, CancellationTokenSource cancel) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= afterBytes)
            {
                cancel.Cancel();
            }

            buffer.Fill((byte)'x');
            _position += buffer.Length;
            return buffer.Length;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
