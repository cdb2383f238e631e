using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using FunctionsMl.Serving.Traffic;
using static FunctionsMl.Serving.Tests.TestSupport.RegistryTestData;

namespace FunctionsMl.Serving.Tests.Traffic;

public sealed class TrafficStoreTests
{
    private static readonly TrafficChange ByAlice = new("alice", "A/B test of v2");
    private static readonly TrafficPolicy NinetyTen = new([new("production", 90), new("staging", 10)], []);

    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryObjectStore _store;
    private readonly ModelRegistry _registry;

    public TrafficStoreTests()
    {
        _store = new InMemoryObjectStore(_time);
        _registry = new ModelRegistry(_store, _time);
    }

    [Fact]
    public async Task SetAsync_ValidPolicy_IsStoredWithAnAuditEntry()
    {
        await SeedAsync();
        var sut = CreateSut();

        var state = await sut.SetAsync("iris", NinetyTen, ByAlice);
        var read = await sut.GetAsync("iris");
        var audit = await sut.GetAuditAsync("iris");

        Assert.True(NinetyTen.SameAs(read.Policy));
        Assert.Equal((state.ETag, 1L, "alice", "A/B test of v2"), (read.ETag, read.Revision, read.ChangedBy, read.Reason));
        var entry = Assert.Single(audit);
        Assert.Equal((1L, _time.GetUtcNow(), "alice", "A/B test of v2"), (entry.Sequence, entry.At, entry.By, entry.Reason));
        Assert.Null(entry.From);
        Assert.True(NinetyTen.SameAs(entry.To));
        Assert.NotNull(await _store.ReadAsync(TrafficPaths.Policy("iris")));
    }

    [Fact]
    public async Task GetAsync_NoPolicy_ReturnsNullPolicyAndNoETag()
    {
        await SeedAsync();

        var state = await CreateSut().GetAsync("iris");

        Assert.Equal((null, null, 0L), (state.Policy, state.ETag, state.Revision));
    }

    [Fact]
    public async Task SetAsync_UnknownAliasOrVersion_NamesTheTarget()
    {
        await SeedAsync();
        var sut = CreateSut();

        var error = await Assert.ThrowsAsync<TrafficPolicyException>(() =>
            sut.SetAsync("iris", new TrafficPolicy([new("production", 50), new("canary", 50)], [new("9", 10)]), ByAlice));

        Assert.Contains("canary", error.Errors["split[1].target"][0]);
        Assert.Contains("'9'", error.Errors["shadows[0].target"][0]);
        Assert.Null((await sut.GetAsync("iris")).Policy);
    }

    [Fact]
    public async Task SetAsync_ShadowServingTheSameVersionAsTheSplit_IsRejected()
    {
        await SeedAsync();

        var error = await Assert.ThrowsAsync<TrafficPolicyException>(() =>
            CreateSut().SetAsync("iris", new TrafficPolicy([new("production", 100)], [new("1", 10)]), ByAlice));

        Assert.Contains("production", error.Errors["shadows[0].target"][0]);
    }

    [Fact]
    public async Task SetAsync_InvalidShape_IsRejectedBeforeAnyRead()
    {
        await SeedAsync();

        await Assert.ThrowsAsync<TrafficPolicyException>(() =>
            CreateSut().SetAsync("iris", new TrafficPolicy([new("production", 80)], []), ByAlice));
    }

    [Fact]
    public async Task SetAsync_StaleETag_ThrowsAndKeepsThePolicy()
    {
        await SeedAsync();
        var sut = CreateSut();
        var first = await sut.SetAsync("iris", NinetyTen, ByAlice);
        await sut.SetAsync("iris", new TrafficPolicy([new("production", 50), new("staging", 50)], []), new TrafficChange("bob", "ramp"), first.ETag);

        await Assert.ThrowsAsync<PreconditionFailedException>(() =>
            sut.SetAsync("iris", new TrafficPolicy([new("staging", 100)], []), new TrafficChange("carol", "late"), first.ETag));

        var state = await sut.GetAsync("iris");
        Assert.Equal(50, state.Policy!.Split[0].Weight);
        Assert.Equal(["alice", "bob"], (await sut.GetAuditAsync("iris")).Select(e => e.By));
    }

    [Fact]
    public async Task SetAsync_ManyRacingWithTheSameETag_ExactlyOneWins()
    {
        await SeedAsync();
        var sut = CreateSut();
        var start = await sut.SetAsync("iris", NinetyTen, ByAlice);

        var attempts = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            try
            {
                await CreateSut().SetAsync("iris", new TrafficPolicy([new("production", 100 - i), new("staging", i)], []), new TrafficChange($"writer-{i}", "race"), start.ETag);
                return true;
            }
            catch (PreconditionFailedException)
            {
                return false;
            }
        }));

        Assert.Equal(1, attempts.Count(won => won));
        Assert.Equal(2, (await sut.GetAuditAsync("iris")).Count);
    }

    [Fact]
    public async Task SetAsync_ManyRacingWithoutETag_AllApplyInSequence()
    {
        await SeedAsync();

        await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
            CreateSut().SetAsync("iris", new TrafficPolicy([new("production", 100 - i), new("staging", i)], []), new TrafficChange($"writer-{i}", "race"))));

        var audit = await CreateSut().GetAuditAsync("iris");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), audit.Select(e => e.Sequence));
        Assert.Equal(20, audit.Select(e => e.By).Distinct().Count());

        // Each entry's "from" is the previous entry's "to": no change was lost or applied to a stale state.
        for (var i = 1; i < audit.Count; i++)
        {
            Assert.True(audit[i - 1].To!.SameAs(audit[i].From));
        }
    }

    [Fact]
    public async Task SetAsync_SamePolicyAgain_WritesNothing()
    {
        await SeedAsync();
        var sut = CreateSut();
        var first = await sut.SetAsync("iris", NinetyTen, ByAlice);

        var again = await sut.SetAsync("iris", new TrafficPolicy([new("production", 90), new("staging", 10)], []), new TrafficChange("bob", "retry"));

        Assert.Equal(first.ETag, again.ETag);
        Assert.Single(await sut.GetAuditAsync("iris"));
    }

    [Fact]
    public async Task SetAsync_NullPolicy_RemovesItAndRecordsIt()
    {
        await SeedAsync();
        var sut = CreateSut();
        await sut.SetAsync("iris", NinetyTen, ByAlice);

        var removed = await sut.SetAsync("iris", null, new TrafficChange("bob", "A/B over"));

        Assert.Null(removed.Policy);
        Assert.Equal(2, removed.Revision);
        var last = (await sut.GetAuditAsync("iris"))[^1];
        Assert.Equal(("bob", "A/B over"), (last.By, last.Reason));
        Assert.True(NinetyTen.SameAs(last.From));
        Assert.Null(last.To);
    }

    [Fact]
    public async Task SetAsync_NullPolicyOfUnknownModel_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<ModelNotFoundException>(() => CreateSut().SetAsync("tulip", null, ByAlice));
    }

    [Fact]
    public async Task GetAuditAsync_BeyondTheLimit_ArchivesOldEntriesAndStillReturnsAll()
    {
        await SeedAsync();
        var sut = CreateSut(new TrafficOptions { AuditHistoryLimit = 4, AuditArchiveSegmentSize = 2 });

        for (var i = 1; i <= 9; i++)
        {
            await sut.SetAsync("iris", new TrafficPolicy([new("production", 100 - i), new("staging", i)], []), new TrafficChange("ops", $"step {i}"));
        }

        var audit = await sut.GetAuditAsync("iris");
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"step {i}"), audit.Select(e => e.Reason));
        var archived = new List<string>();
        await foreach (var info in _store.ListAsync(TrafficPaths.AuditFolder("iris")))
        {
            archived.Add(info.Path);
        }

        Assert.NotEmpty(archived);
    }

    [Fact]
    public async Task SetAsync_RaisesChangedWithTheNewState()
    {
        await SeedAsync();
        var sut = CreateSut();
        TrafficState? seen = null;
        sut.Changed += (_, e) => seen = e.State;

        var state = await sut.SetAsync("iris", NinetyTen, ByAlice);

        Assert.Equal(state, seen);
    }

    private TrafficStore CreateSut(TrafficOptions? options = null) => new(_registry, _time, options);

    private async Task SeedAsync()
    {
        await _registry.RegisterAsync("iris", ModelFile("one"), Manifest(), "tests");
        await _registry.RegisterAsync("iris", ModelFile("two"), Manifest(), "tests");
        await _registry.SetAliasAsync("iris", "production", "1", new AliasChange("tests", "seed"));
        await _registry.SetAliasAsync("iris", "staging", "2", new AliasChange("tests", "seed"));
    }
}
