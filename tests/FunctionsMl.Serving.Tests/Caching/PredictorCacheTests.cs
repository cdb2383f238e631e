using System.Collections.Concurrent;
using System.Text;
using FunctionsMl.Serving.Caching;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using static FunctionsMl.Serving.Tests.TestSupport.RegistryTestData;

namespace FunctionsMl.Serving.Tests.Caching;

public sealed class PredictorCacheTests : IDisposable
{
    private static readonly AliasChange ByCi = new("ci", "test");
    private static readonly TimeSpan Interval = PredictorCacheDefaults.AliasRefreshInterval;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ManualTimeProvider _time = new();
    private readonly CountingObjectStore _store;
    private readonly ModelRegistry _registry;
    private readonly FakeModelLoader _loader = new();
    private readonly List<IDisposable> _caches = [];

    public PredictorCacheTests()
    {
        _store = new CountingObjectStore(new InMemoryObjectStore(_time));
        _registry = new ModelRegistry(_store, _time);
    }

    public void Dispose() => _caches.ForEach(c => c.Dispose());

    [Fact]
    public async Task GetAsync_ByVersion_LoadsTheVersionOnce()
    {
        await RegisterAsync("a", "b");
        PredictorCache<FakeModel> cache = CreateSut();

        LoadedModel<FakeModel> first = await cache.GetAsync("iris", "2");
        LoadedModel<FakeModel> second = await cache.GetAsync("iris", "2");

        Assert.Equal(("iris", "2", "b", (string?)null), (first.Name, first.Version, first.Model.Content, first.Alias));
        Assert.Same(first, second);
        Assert.Equal(1, _loader.LoadsOf("iris", "2"));
        Assert.Equal((await _registry.GetVersionAsync("iris", "2"))!.Sha256, first.Sha256);
    }

    [Fact]
    public async Task GetAsync_ByAlias_ServesTheVersionItPointsTo()
    {
        await RegisterAsync("a", "b");
        await _registry.SetAliasAsync("iris", "production", "2", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();

        LoadedModel<FakeModel> served = await cache.GetAsync("iris", "production");

        Assert.Equal(("2", "b", "production"), (served.Version, served.Model.Content, served.Alias));
    }

    [Fact]
    public async Task GetAsync_ManyConcurrentFirstRequests_LoadEachVersionOnce()
    {
        await RegisterAsync("a", "b");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        _loader.Hold();

        Task<LoadedModel<FakeModel>>[] byAlias = Enumerable.Range(0, 24).Select(_ => Task.Run(() => cache.GetAsync("iris", "production").AsTask())).ToArray();
        Task<LoadedModel<FakeModel>>[] byVersion = Enumerable.Range(0, 24).Select(_ => Task.Run(() => cache.GetAsync("iris", "2").AsTask())).ToArray();
        await Task.Delay(100);
        _loader.Release();
        LoadedModel<FakeModel>[] aliasResults = await Task.WhenAll(byAlias);
        LoadedModel<FakeModel>[] versionResults = await Task.WhenAll(byVersion);

        Assert.Equal(1, _loader.LoadsOf("iris", "1"));
        Assert.Equal(1, _loader.LoadsOf("iris", "2"));
        Assert.Single(aliasResults.Select(r => r.Model).Distinct());
        Assert.Single(versionResults.Select(r => r.Model).Distinct());
    }

    [Fact]
    public async Task GetAsync_WhileTheViewIsFresh_MakesNoStorageCalls()
    {
        await RegisterAsync("a");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "production");
        await cache.GetAsync("iris", "1");
        int calls = _store.Calls;

        for (int i = 0; i < 1000; i++)
        {
            await cache.GetAsync("iris", "production");
            await cache.GetAsync("iris", "1");
        }

        _time.Advance(Interval - TimeSpan.FromTicks(1));
        await cache.GetAsync("iris", "production");
        Assert.Equal(calls, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_RequestsArrivingWhileAStaleViewIsChecked_CheckStorageOnce()
    {
        await RegisterAsync("a");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "production");
        _store.Latency = TimeSpan.FromMilliseconds(40); // A remote store: the check takes a while.
        int calls = _store.Calls;
        _time.Advance(Interval);

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);
            await Task.Delay(5);
        }

        // Wait for the background check on a loaded machine, then make sure no second one follows.
        for (var waited = 0; _store.Calls == calls && waited < 10_000; waited += 20)
        {
            await Task.Delay(20);
        }

        await Task.Delay(200);

        // One ETag read; the document itself is not read, as it did not change.
        Assert.Equal(calls + 1, _store.Calls);
    }

    [Fact]
    public async Task GetAsync_CachedAliasOrVersion_CompletesSynchronouslyWithoutAllocating()
    {
        await RegisterAsync("a");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "production");
        await cache.GetAsync("iris", "1");

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ValueTask<LoadedModel<FakeModel>> byAlias = cache.GetAsync("iris", "production");
            ValueTask<LoadedModel<FakeModel>> byVersion = cache.GetAsync("iris", "1");
            Assert.True(byAlias.IsCompletedSuccessfully && byVersion.IsCompletedSuccessfully);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task GetAsync_UnknownModelAliasOrVersion_ThrowsModelNotFound()
    {
        await RegisterAsync("a");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();

        var unknownModel = await Assert.ThrowsAsync<ModelNotFoundException>(() => cache.GetAsync("wine", "production").AsTask());
        var unknownAlias = await Assert.ThrowsAsync<ModelNotFoundException>(() => cache.GetAsync("iris", "staging").AsTask());
        var unknownVersion = await Assert.ThrowsAsync<ModelNotFoundException>(() => cache.GetAsync("iris", "9").AsTask());
        var unknownAliasAgain = await Assert.ThrowsAsync<ModelNotFoundException>(() => cache.GetAsync("iris", "staging").AsTask());

        Assert.Equal(("wine", "production"), (unknownModel.Model, unknownModel.Alias));
        Assert.Equal("staging", unknownAlias.Alias);
        Assert.Equal("9", unknownVersion.Version);
        Assert.Equal("staging", unknownAliasAgain.Alias);
    }

    [Fact]
    public void GetAsync_InvalidNames_ThrowArgumentException()
    {
        PredictorCache<FakeModel> cache = CreateSut();

        Assert.Equal("model", Assert.Throws<ArgumentException>(() => cache.GetAsync("../iris", "production")).ParamName);
        Assert.Equal("aliasOrVersion", Assert.Throws<ArgumentException>(() => cache.GetAsync("iris", "Production")).ParamName);
        Assert.Equal("aliasOrVersion", Assert.Throws<ArgumentException>(() => cache.GetAsync("iris", "01")).ParamName);
    }

    [Fact]
    public async Task PromotionThroughTheAttachedRegistry_IsServedWithoutWaitingForTheInterval()
    {
        await RegisterAsync("a", "b");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);

        await _registry.SetAliasAsync("iris", "production", "2", ByCi);

        // The clock does not move: only the registry's signal can make the cache look again.
        LoadedModel<FakeModel> served = await EventuallyAsync(() => cache.GetAsync("iris", "production"), m => m.Version == "2");
        Assert.Equal("b", served.Model.Content);
    }

    [Fact]
    public async Task PromotionByAnotherRegistryInstance_IsNoticedOnceTheIntervalPasses()
    {
        await RegisterAsync("a", "b");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "production");
        var otherProcess = new ModelRegistry(_store, _time);

        await otherProcess.SetAliasAsync("iris", "production", "2", ByCi);
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);
            await Task.Delay(10);
        }

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await EventuallyAsync(() => cache.GetAsync("iris", "production"), m => m.Version == "2");
    }

    [Fact]
    public async Task GetAsync_WhileAliasesFlipUnderLoad_NeverFailsAndEveryResultCarriesItsOwnVersion()
    {
        await RegisterAsync("v1", "v2", "v3", "v4");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        var otherProcess = new ModelRegistry(_store, _time);
        PredictorCache<FakeModel> cache = CreateSut(new PredictorCacheOptions { MaxLoadedVersions = 2 });
        var served = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();

        Task[] readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // GetAsync completes synchronously when cached; yield so readers cannot starve the refreshes on two cores.
                await Task.Yield();
                try
                {
                    LoadedModel<FakeModel> result = await cache.GetAsync("iris", "production");
                    if (result.Model.Content != $"v{result.Version}" || result.Model.LoadedAsVersion != result.Version || result.Alias != "production")
                    {
                        failures.Enqueue(new InvalidOperationException($"version {result.Version} carried {result.Model}"));
                    }

                    served.AddOrUpdate(result.Version, 1, (_, n) => n + 1);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }
        })).ToArray();

        for (int flip = 0; flip < 24; flip++)
        {
            string target = $"{(flip % 4) + 1}";
            // Half the flips come through the attached registry, half from "another process" found by polling.
            await (flip % 2 == 0 ? _registry : otherProcess).SetAliasAsync("iris", "production", target, ByCi);
            _time.Advance(Interval);
            await EventuallyAsync(() => cache.GetAsync("iris", "production"), m => m.Version == target);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Empty(failures);
        Assert.Equal(["1", "2", "3", "4"], served.Keys.Order());
    }

    [Fact]
    public async Task CorruptVersion_NeverBecomesActive_WhileThePreviousKeepsServing_AndIsRetriedWithBackoff()
    {
        await RegisterAsync("good");
        await _registry.RegisterAsync("iris", Encoding.UTF8.GetBytes("garbage"), Manifest(), "ci");
        await RegisterAsync("better");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        var options = new PredictorCacheOptions { LoadRetryInitialDelay = TimeSpan.FromSeconds(30) };
        PredictorCache<FakeModel> cache = CreateSut(options);
        await cache.GetAsync("iris", "production");

        await _registry.SetAliasAsync("iris", "production", "2", ByCi);
        await cache.RefreshAsync("iris");

        Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);
        Assert.Equal(1, _loader.LoadsOf("iris", "2"));
        var failure = await Assert.ThrowsAsync<ModelLoadException>(() => cache.GetAsync("iris", "2").AsTask());
        Assert.Equal(("iris", "2"), (failure.Model, failure.Version));
        Assert.Equal(_time.GetUtcNow() + options.LoadRetryInitialDelay, failure.RetryAfter);

        _time.Advance(TimeSpan.FromSeconds(10));
        await cache.RefreshAsync("iris");
        Assert.Equal(1, _loader.LoadsOf("iris", "2"));

        _time.Advance(TimeSpan.FromSeconds(21));
        await cache.RefreshAsync("iris");
        Assert.Equal(2, _loader.LoadsOf("iris", "2"));
        Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);

        await _registry.SetAliasAsync("iris", "production", "3", ByCi);
        await cache.RefreshAsync("iris");
        Assert.Equal("better", (await cache.GetAsync("iris", "production")).Model.Content);
    }

    [Fact]
    public async Task TamperedModelFile_FailsTheIntegrityCheckBeforeTheLoaderSeesIt()
    {
        await RegisterAsync("a", "b");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "production");
        await _store.WriteAsync("models/iris/versions/2/model.fml", ModelFile("evil"), WriteCondition.None);

        await _registry.SetAliasAsync("iris", "production", "2", ByCi);
        await cache.RefreshAsync("iris");

        Assert.Equal("a", (await cache.GetAsync("iris", "production")).Model.Content);
        Assert.Equal(0, _loader.LoadsOf("iris", "2"));
        var failure = await Assert.ThrowsAsync<ModelLoadException>(() => cache.GetAsync("iris", "2").AsTask());
        Assert.Contains("SHA-256", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AliasWhoseOnlyVersionIsCorrupt_ThrowsModelLoadException()
    {
        await _registry.RegisterAsync("iris", Encoding.UTF8.GetBytes("garbage"), Manifest(), "ci");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();

        await Assert.ThrowsAsync<ModelLoadException>(() => cache.GetAsync("iris", "production").AsTask());
        await Assert.ThrowsAsync<ModelLoadException>(() => cache.GetAsync("iris", "production").AsTask());

        Assert.Equal(1, _loader.LoadsOf("iris", "1"));
    }

    [Fact]
    public async Task GetAsync_AliasRemoved_IsNotFoundOnceRefreshed()
    {
        await RegisterAsync("a");
        await _registry.SetAliasAsync("iris", "staging", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "staging");

        await _registry.RemoveAliasAsync("iris", "staging", ByCi);
        await cache.RefreshAsync("iris");

        await Assert.ThrowsAsync<ModelNotFoundException>(() => cache.GetAsync("iris", "staging").AsTask());
        Assert.Equal("1", (await cache.GetAsync("iris", "1")).Version);
    }

    [Fact]
    public async Task LoadedVersions_BeyondTheLimit_EvictTheLeastRecentlyUsedThatNoAliasServes()
    {
        await RegisterAsync("a", "b", "c", "d");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut(new PredictorCacheOptions { MaxLoadedVersions = 2 });
        await cache.GetAsync("iris", "production");

        await cache.GetAsync("iris", "2");
        await cache.GetAsync("iris", "3");
        await cache.GetAsync("iris", "4");

        Assert.Equal(["1", "4"], cache.GetLoadedVersions().Select(v => v.Version));
        await cache.GetAsync("iris", "production");
        await cache.GetAsync("iris", "2");
        Assert.Equal(1, _loader.LoadsOf("iris", "1"));
        Assert.Equal(2, _loader.LoadsOf("iris", "2"));
    }

    [Fact]
    public async Task LoadedVersions_AfterAPromotion_KeepThePreviousUntilSpaceIsNeeded()
    {
        await RegisterAsync("a", "b", "c");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut(new PredictorCacheOptions { MaxLoadedVersions = 2 });
        await cache.GetAsync("iris", "production");

        await _registry.SetAliasAsync("iris", "production", "2", ByCi);
        await cache.RefreshAsync("iris");
        Assert.Equal(["1", "2"], cache.GetLoadedVersions().Select(v => v.Version));

        await _registry.RollbackAsync("iris", "production", ByCi);
        await cache.RefreshAsync("iris");
        Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);
        Assert.Equal(1, _loader.LoadsOf("iris", "1"));

        await cache.GetAsync("iris", "3");
        Assert.Equal(["1", "3"], cache.GetLoadedVersions().Select(v => v.Version));
    }

    [Fact]
    public async Task WarmUpAsync_LoadsEveryAliasTarget_SoRequestsNeedNoStorage()
    {
        await RegisterAsync("a", "b", "c");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        await _registry.SetAliasAsync("iris", "staging", "3", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();

        await cache.WarmUpAsync(["iris", "wine"]);
        int calls = _store.Calls;

        Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);
        Assert.Equal("3", (await cache.GetAsync("iris", "staging")).Version);
        Assert.Equal(calls, _store.Calls);
        Assert.Equal(2, _loader.TotalLoads);
    }

    [Fact]
    public void Constructor_InvalidOption_ThrowsNamingIt()
    {
        var failure = Assert.Throws<ArgumentOutOfRangeException>(() => CreateSut(new PredictorCacheOptions { MaxLoadedVersions = 0 }));

        Assert.Equal(nameof(PredictorCacheOptions.MaxLoadedVersions), failure.ParamName);
    }

    [Fact]
    public async Task Dispose_StopsFollowingTheRegistry()
    {
        await RegisterAsync("a", "b");
        await _registry.SetAliasAsync("iris", "production", "1", ByCi);
        PredictorCache<FakeModel> cache = CreateSut();
        await cache.GetAsync("iris", "production");

        cache.Dispose();
        await _registry.SetAliasAsync("iris", "production", "2", ByCi);
        await Task.Delay(100);

        Assert.Equal("1", (await cache.GetAsync("iris", "production")).Version);
        Assert.Equal(0, _loader.LoadsOf("iris", "2"));
    }

    private PredictorCache<FakeModel> CreateSut(PredictorCacheOptions? options = null)
    {
        var cache = new PredictorCache<FakeModel>(_registry, _loader, options, _time);
        _caches.Add(cache);
        return cache;
    }

    private async Task RegisterAsync(params string[] contents)
    {
        foreach (string content in contents)
        {
            await _registry.RegisterAsync("iris", ModelFile(content), Manifest(), "ci");
        }
    }

    /// <summary>Asks until the answer satisfies <paramref name="done"/>; background refreshes take real time.</summary>
    private static async Task<LoadedModel<FakeModel>> EventuallyAsync(Func<ValueTask<LoadedModel<FakeModel>>> get, Func<LoadedModel<FakeModel>, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            LoadedModel<FakeModel> result = await get();
            if (done(result))
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"still serving version {result.Version} after {Patience}");
            await Task.Delay(2);
        }
    }
}
