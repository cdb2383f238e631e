using System.Text.Json;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using FunctionsMl.Serving.Traffic;
using static FunctionsMl.Serving.Tests.TestSupport.RegistryTestData;

namespace FunctionsMl.Serving.Tests.Traffic;

public sealed class TrafficRouterTests : IDisposable
{
    private static readonly TrafficChange ByOps = new("ops", "test");

    private readonly ManualTimeProvider _time = new();
    private readonly CountingObjectStore _store;
    private readonly ModelRegistry _registry;
    private readonly TrafficStore _traffic;
    private readonly FakeResolver _resolver = new FakeResolver()
        .Serve("production", "1", TestModels.Iris)
        .Serve("staging", "2", TestModels.IrisLinear);

    private readonly List<IDisposable> _disposables = [];

    public TrafficRouterTests()
    {
        _store = new CountingObjectStore(new InMemoryObjectStore(_time));
        _registry = new ModelRegistry(_store, _time);
        _traffic = new TrafficStore(_registry, _time);
    }

    public void Dispose() => _disposables.ForEach(d => d.Dispose());

    [Fact]
    public async Task RouteAsync_NoPolicy_ServesProduction()
    {
        await SeedAsync();

        var route = await CreateSut().RouteAsync("iris", null, "req-1", null, default);

        Assert.Equal("1", route.Served.Version);
        Assert.Null(route.Policy!.Policy);
    }

    [Fact]
    public async Task RouteAsync_PinnedVersion_BypassesThePolicy()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", new TrafficPolicy([new("staging", 100)], []), ByOps);

        var route = await CreateSut().RouteAsync("iris", "1", "req-1", "user-7", default);

        Assert.Equal("1", route.Served.Version);
        Assert.Null(route.Policy);
    }

    [Fact]
    public async Task RouteAsync_SameKey_LandsOnTheSameVersionEveryTime()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(50), ByOps);
        var sut = CreateSut();

        foreach (var key in Enumerable.Range(0, 50).Select(i => $"user-{i}"))
        {
            var first = (await sut.RouteAsync("iris", null, Guid.NewGuid().ToString(), key, default)).Served.Version;
            for (var call = 0; call < 20; call++)
            {
                Assert.Equal(first, (await sut.RouteAsync("iris", null, Guid.NewGuid().ToString(), key, default)).Served.Version);
            }
        }
    }

    [Fact]
    public async Task RouteAsync_SameKeyOnAnotherInstance_LandsOnTheSameVersion()
    {
        // Another instance: its own store copy, registry, policy store, cache and router; only the policy is the same.
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(30), ByOps);
        var otherStore = new InMemoryObjectStore(_time);
        var otherRegistry = new ModelRegistry(otherStore, _time);
        await SeedAsync(otherRegistry);
        await new TrafficStore(otherRegistry, _time).SetAsync("iris", Split(30), ByOps);
        var here = CreateSut();
        var there = CreateSut(new TrafficStore(otherRegistry, _time));

        var keys = Enumerable.Range(0, 500).Select(i => $"customer-{i}").ToList();
        var assignedHere = await Task.WhenAll(keys.Select(async k => (await here.RouteAsync("iris", null, "a", k, default)).Served.Version));
        var assignedThere = await Task.WhenAll(keys.Select(async k => (await there.RouteAsync("iris", null, "b", k, default)).Served.Version));

        Assert.Equal(assignedHere, assignedThere);
    }

    [Fact]
    public async Task RouteAsync_ManyKeys_SplitWithinStatisticalTolerance()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(10), ByOps);
        var sut = CreateSut();
        const int Requests = 20_000;

        var staging = 0;
        for (var i = 0; i < Requests; i++)
        {
            if ((await sut.RouteAsync("iris", null, $"request-{i}", null, default)).Served.Version == "2")
            {
                staging++;
            }
        }

        // 10% of 20,000 is 2,000 with a standard deviation of √(20000·0.1·0.9) ≈ 42; allow 4σ.
        Assert.InRange(staging, 2000 - 170, 2000 + 170);
    }

    [Fact]
    public async Task RouteAsync_RoutingField_IsTheKeyWhenThereIsNoHeader()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(50, routingField: "customer"), ByOps);
        var sut = CreateSut();

        foreach (var customer in Enumerable.Range(0, 40))
        {
            var byHeader = await sut.RouteAsync("iris", null, "r1", customer.ToString(System.Globalization.CultureInfo.InvariantCulture), default);
            var byNumberField = await sut.RouteAsync("iris", null, "r2", null, Row($$"""{"customer": {{customer}}}"""));
            var byStringField = await sut.RouteAsync("iris", null, "r3", null, Row($$"""{"customer": "{{customer}}"}"""));
            Assert.Equal(byHeader.Served.Version, byNumberField.Served.Version);
            Assert.Equal(byHeader.Served.Version, byStringField.Served.Version);
        }
    }

    [Fact]
    public async Task RouteAsync_HeaderAndField_HeaderWins()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(50, routingField: "customer"), ByOps);
        var policy = await new TrafficPolicyCache(_traffic, timeProvider: _time).GetAsync("iris");
        var keyA = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => policy.TargetOf(policy.BucketOf(k.AsSpan())) == "production");
        var keyB = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => policy.TargetOf(policy.BucketOf(k.AsSpan())) == "staging");

        var route = await CreateSut().RouteAsync("iris", null, "r", keyA, Row($$"""{"customer": "{{keyB}}"}"""));

        Assert.Equal("1", route.Served.Version);
    }

    [Fact]
    public async Task RouteAsync_NoKey_IsReproducibleForTheRequestId()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(50), ByOps);
        var sut = CreateSut();

        var versions = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => (await sut.RouteAsync("iris", null, "request-77", null, default)).Served.Version));

        Assert.Single(versions.Distinct());
    }

    [Fact]
    public async Task RouteAsync_RampingUp_MovesOnlyKeysIntoTheNewBuckets()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(10), ByOps);
        var sut = CreateSut();
        var keys = Enumerable.Range(0, 2000).Select(i => $"user-{i}").ToList();
        var before = await Task.WhenAll(keys.Select(async k => (await sut.RouteAsync("iris", null, "r", k, default)).Served.Version));

        await _traffic.SetAsync("iris", Split(20), ByOps);
        var after = await Task.WhenAll(keys.Select(async k => (await sut.RouteAsync("iris", null, "r", k, default)).Served.Version));

        // Everyone on staging stays there; only production keys move, never the other way.
        Assert.All(Enumerable.Range(0, keys.Count).Where(i => before[i] == "2"), i => Assert.Equal("2", after[i]));
        Assert.InRange(after.Count(v => v == "2") - before.Count(v => v == "2"), 100, 300);
    }

    [Fact]
    public async Task RouteAsync_TargetThatCannotServe_FallsBackToProduction()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", new TrafficPolicy([new("staging", 100)], []), ByOps);
        _resolver.Throw("staging", new ModelNotReadyException("staging cannot load"));
        var sut = CreateSut();

        var route = await sut.RouteAsync("iris", null, "r", null, default);

        Assert.Equal("1", route.Served.Version);
        Assert.True(route.FellBack);
        Assert.Equal(1, sut.Fallbacks);
    }

    [Fact]
    public async Task RouteAsync_UnknownModel_Throws404AndForgetsIt()
    {
        var sut = CreateSut();

        await Assert.ThrowsAsync<ModelNotFoundException>(async () => await sut.RouteAsync("tulip", null, "r", null, default));
    }

    [Fact]
    public async Task PolicyCache_ChangeThroughThisProcess_AppliesAtOnce()
    {
        await SeedAsync();
        var cache = CreateCache(_traffic);
        Assert.Null((await cache.GetAsync("iris")).Policy);

        await _traffic.SetAsync("iris", Split(10), ByOps);

        Assert.NotNull((await cache.GetAsync("iris")).Policy);
    }

    [Fact]
    public async Task PolicyCache_FreshReads_TouchNoStorage()
    {
        await SeedAsync();
        await _traffic.SetAsync("iris", Split(10), ByOps);
        var cache = CreateCache(_traffic);
        await cache.GetAsync("iris");
        var calls = _store.Calls;

        for (var i = 0; i < 1000; i++)
        {
            await cache.GetAsync("iris");
        }

        Assert.Equal(calls, _store.Calls);
    }

    [Fact]
    public async Task PolicyCache_ChangeByAnotherProcess_IsSeenAfterTheRefreshInterval()
    {
        await SeedAsync();
        var cache = CreateCache(_traffic);
        Assert.Null((await cache.GetAsync("iris")).Policy);

        // Another process: its own TrafficStore on the same store, so this cache gets no event.
        await new TrafficStore(_registry, _time).SetAsync("iris", Split(10), ByOps);
        Assert.Null((await cache.GetAsync("iris")).Policy);

        _time.Advance(TrafficDefaults.PolicyRefreshInterval);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        CompiledTrafficPolicy seen;
        do
        {
            seen = await cache.GetAsync("iris");
            await Task.Delay(10);
        }
        while (seen.Policy is null && DateTime.UtcNow < deadline);

        Assert.NotNull(seen.Policy);
    }

    private static TrafficPolicy Split(int stagingWeight, string? routingField = null) =>
        new([new("production", 100 - stagingWeight), new("staging", stagingWeight)], [], routingField);

    private static JsonElement Row(string json) => JsonDocument.Parse(json).RootElement;

    private TrafficRouter CreateSut(TrafficStore? store = null) => new(_resolver, CreateCache(store ?? _traffic));

    private TrafficPolicyCache CreateCache(TrafficStore store)
    {
        var cache = new TrafficPolicyCache(store, timeProvider: _time);
        _disposables.Add(cache);
        return cache;
    }

    private Task SeedAsync() => SeedAsync(_registry);

    private static async Task SeedAsync(ModelRegistry registry)
    {
        await registry.RegisterAsync("iris", ModelFile("one"), Manifest(), "tests");
        await registry.RegisterAsync("iris", ModelFile("two"), Manifest(), "tests");
        await registry.SetAliasAsync("iris", "production", "1", new AliasChange("tests", "seed"));
        await registry.SetAliasAsync("iris", "staging", "2", new AliasChange("tests", "seed"));
    }
}
