using System.Diagnostics;
using System.Text.Json;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Traffic;
using Microsoft.AspNetCore.Http;
using static FunctionsMl.Serving.Tests.TestSupport.RegistryTestData;

namespace FunctionsMl.Serving.Tests.Traffic;

/// <summary>The handlers with every service of AddFunctionsMl, over an in-memory store and a resolver serving real models.</summary>
public sealed class ServingPipelineTests : IAsyncLifetime
{
    private readonly InMemoryObjectStore _store = new();
    private readonly FakeResolver _resolver = new FakeResolver()
        .Serve("production", "1", TestModels.Iris)
        .Serve("staging", "2", TestModels.IrisLinear);

    private HandlerHarness _harness = null!;

    public async Task InitializeAsync()
    {
        var registry = new ModelRegistry(_store, TimeProvider.System);
        foreach (var content in new[] { "one", "two", "three" })
        {
            await registry.RegisterAsync("iris", ModelFile(content), Manifest(), "tests");
        }

        await registry.SetAliasAsync("iris", "production", "1", new AliasChange("tests", "seed"));
        await registry.SetAliasAsync("iris", "staging", "2", new AliasChange("tests", "seed"));
        _harness = HandlerHarness.Create(_resolver, store: _store, settings: new Dictionary<string, string?>
        {
            ["FunctionsMl:Traffic:ShadowQueueCapacity"] = "8",
            ["FunctionsMl:Traffic:ShadowTimeout"] = "00:05:00",
        });
        await Shadows.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Shadows.StopAsync(CancellationToken.None);
        await _harness.DisposeAsync();
    }

    private ShadowDispatcher Shadows => _harness.Get<ShadowDispatcher>();

    [Fact]
    public async Task Predict_SplitPolicy_IsStickyByKeyAndSaysWhichVersionServed()
    {
        await PutTrafficAsync("""{"split":[{"target":"production","weight":50},{"target":"staging","weight":50}]}""");

        var served = new Dictionary<string, string>();
        for (var i = 0; i < 40; i++)
        {
            var response = await PredictAsync(TestModels.SetosaRow, routingKey: $"user-{i % 10}");
            Assert.Equal(200, response.Status);
            Assert.Equal(response.Header("x-model-version"), response.Json.GetProperty("version").GetString());
            var version = response.Json.GetProperty("version").GetString()!;
            Assert.Equal(served.GetValueOrDefault($"user-{i % 10}", version), version);
            served[$"user-{i % 10}"] = version;
        }

        Assert.Equal(["1", "2"], served.Values.Distinct().Order());
    }

    [Fact]
    public async Task Predict_PinnedVersion_BypassesThePolicy()
    {
        await PutTrafficAsync("""{"split":[{"target":"staging","weight":100}]}""");

        var routed = await PredictAsync(TestModels.SetosaRow);
        var pinned = await _harness.InvokeAsync(r => _harness.Get<PredictionHandler>().PredictAsync(r, "iris", "1", CancellationToken.None), TestModels.SetosaRow);

        Assert.Equal(("2", "1"), (routed.Header("x-model-version"), pinned.Header("x-model-version")));
    }

    [Fact]
    public async Task Predict_ShadowThatFails_NeverAffectsTheCallerAndIsCounted()
    {
        // Version 3 is a regression model: scoring iris rows with it always fails.
        _resolver.Serve("3", "3", TestModels.Diabetes);
        await PutTrafficAsync("""{"split":[{"target":"production","weight":100}],"shadows":[{"target":"3","percent":100}]}""");

        for (var i = 0; i < 30; i++)
        {
            var response = await PredictAsync(TestModels.SetosaRow);
            Assert.Equal(200, response.Status);
            Assert.Equal("setosa", response.Json.GetProperty("prediction").GetProperty("label").GetString());
        }

        await WaitUntilAsync(() => Shadows.Processed + Shadows.Dropped == 30);
        var stats = _harness.Get<ModelMonitor>().GetStats("iris");
        var production = stats.Versions.Single(v => v.Version == "1");
        Assert.Equal((30L, 0L), (production.Requests, production.Errors));
        var shadow = stats.Versions.Single(v => v.Version == "3").Shadow!;
        Assert.Equal(Shadows.Processed, shadow.Requests);
        Assert.Equal(shadow.Requests, shadow.Errors);
        Assert.Equal(Shadows.Failed, shadow.Errors);
    }

    [Fact]
    public async Task Predict_ShadowThatHangs_NeverSlowsTheCallerAndOverflowIsDropped()
    {
        _resolver.Hang("3");
        await PutTrafficAsync("""{"split":[{"target":"production","weight":100}],"shadows":[{"target":"3","percent":100}]}""");
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(200, (await PredictAsync(TestModels.SetosaRow)).Status);
        }

        // Every caller was answered while the shadow had not finished a single copy: nobody waited for it.
        Assert.Equal(0, Shadows.Processed);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1));

        // One copy hangs in the worker, eight wait in the queue, the rest were dropped and counted.
        Assert.InRange(Shadows.Dropped, 200 - 8 - 1, 200 - 8);
        Assert.Equal(Shadows.Dropped, _harness.Get<ModelMonitor>().GetStats("iris").ShadowDropped);
    }

    [Fact]
    public async Task Predict_HealthyShadow_IsComparedWithTheServedAnswer()
    {
        await PutTrafficAsync("""{"split":[{"target":"production","weight":100}],"shadows":[{"target":"staging","percent":100}]}""");

        for (var i = 0; i < 5; i++)
        {
            await PredictAsync(TestModels.SetosaRow);
        }

        await WaitUntilAsync(() => Shadows.Processed == 5);
        var shadow = _harness.Get<ModelMonitor>().GetStats("iris").Versions.Single(v => v.Version == "2").Shadow!;
        Assert.Equal((5L, 0L, 5L, 1.0), (shadow.Requests, shadow.Errors, shadow.Rows, shadow.Agreement));
    }

    [Fact]
    public async Task Stats_AfterRoutedPredictions_CountsEachVersion()
    {
        await PutTrafficAsync("""{"split":[{"target":"production","weight":70},{"target":"staging","weight":30}]}""");
        var versions = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            versions.Add((await PredictAsync(TestModels.SetosaRow, routingKey: $"k{i}")).Header("x-model-version")!);
        }

        var stats = await _harness.InvokeAsync(_ => _harness.Get<StatsHandler>().GetAsync("iris", CancellationToken.None));

        Assert.Equal(200, stats.Status);
        var byVersion = stats.Json.GetProperty("versions").EnumerateArray().ToDictionary(v => v.GetProperty("version").GetString()!, v => v.GetProperty("requests").GetInt64());
        Assert.Equal(versions.Count(v => v == "1"), byVersion["1"]);
        Assert.Equal(versions.Count(v => v == "2"), byVersion["2"]);
        Assert.Equal("production 70 / staging 30", stats.Json.GetProperty("traffic").GetProperty("split").EnumerateArray()
            .Select(r => $"{r.GetProperty("target").GetString()} {r.GetProperty("weight").GetInt32()}").Aggregate((a, b) => $"{a} / {b}"));
        Assert.True(stats.Json.GetProperty("versions")[0].GetProperty("latency").GetProperty("p99Ms").GetDouble() > 0);
    }

    [Fact]
    public async Task Stats_UnknownModel_Is404()
    {
        var stats = await _harness.InvokeAsync(_ => _harness.Get<StatsHandler>().GetAsync("tulip", CancellationToken.None));

        Assert.Equal(404, stats.Status);
    }

    [Fact]
    public async Task Feedback_ThroughTheHandler_JoinsAndRejectsPrecisely()
    {
        var prediction = await PredictAsync(TestModels.VirginicaRow, requestId: "order-17");
        Assert.Equal("order-17", prediction.Json.GetProperty("id").GetString());

        var accepted = await PostFeedbackAsync("""{"requestId":"order-17","label":"virginica"}""");
        var unknown = await PostFeedbackAsync("""{"requestId":"order-99","label":"virginica"}""");
        var badLabel = await PostFeedbackAsync("""{"requestId":"order-17","label":[1]}""");
        var noId = await PostFeedbackAsync("""[{"label":"virginica"}]""");

        Assert.Equal(200, accepted.Status);
        Assert.Equal((1, "1", true), (accepted.Json.GetProperty("accepted").GetInt32(), accepted.Json.GetProperty("results")[0].GetProperty("version").GetString(), accepted.Json.GetProperty("results")[0].GetProperty("correct").GetBoolean()));
        Assert.Equal(404, unknown.Status);
        Assert.Contains("order-99", unknown.Json.GetProperty("detail").GetString());
        Assert.Equal(400, badLabel.Status);
        Assert.True(badLabel.Json.GetProperty("errors").TryGetProperty("label", out _), badLabel.Body);
        Assert.Equal(400, noId.Status);
        Assert.True(noId.Json.GetProperty("errors").TryGetProperty("[0].requestId", out _), noId.Body);
    }

    [Fact]
    public async Task Traffic_ThroughTheHandler_ValidatesAndComparesAndSwaps()
    {
        var invalid = await PutTrafficAsync("""{"split":[{"target":"production","weight":90},{"target":"staging","weight":20}]}""", expectSuccess: false);
        var unknownAlias = await PutTrafficAsync("""{"split":[{"target":"canary","weight":100}]}""", expectSuccess: false);
        var first = await PutTrafficAsync("""{"split":[{"target":"production","weight":90},{"target":"staging","weight":10}],"reason":"start A/B"}""");
        var eTag = first.Header("ETag")!;
        var second = await PutTrafficAsync("""{"split":[{"target":"production","weight":50},{"target":"staging","weight":50}]}""", ifMatch: eTag);
        var stale = await PutTrafficAsync("""{"split":[{"target":"staging","weight":100}]}""", ifMatch: eTag, expectSuccess: false);
        var removed = await _harness.InvokeAsync(r => _harness.Get<TrafficHandler>().DeleteAsync(r, "iris", CancellationToken.None));
        var audit = await _harness.InvokeAsync(_ => _harness.Get<TrafficHandler>().AuditAsync("iris", CancellationToken.None));

        Assert.Equal(400, invalid.Status);
        Assert.Contains("110", invalid.Json.GetProperty("errors").GetProperty("split")[0].GetString());
        Assert.Equal(400, unknownAlias.Status);
        Assert.True(unknownAlias.Json.GetProperty("errors").TryGetProperty("split[0].target", out _));
        Assert.Equal(("production 90 / staging 10", "start A/B"), (first.Json.GetProperty("effective").GetString(), first.Json.GetProperty("reason").GetString()));
        Assert.Equal(200, second.Status);
        Assert.Equal(409, stale.Status);
        Assert.Equal(JsonValueKind.Null, removed.Json.GetProperty("policy").ValueKind);
        Assert.Equal("production 100", removed.Json.GetProperty("effective").GetString());
        Assert.Equal([3L, 2, 1], audit.Json.EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public async Task Infer_Unversioned_IsRoutedByThePolicy()
    {
        await PutTrafficAsync("""{"split":[{"target":"staging","weight":100}]}""");
        const string Request = """{"id":"oip-1","inputs":[{"name":"sepal_length","shape":[1],"datatype":"FP32","data":[5.1]},{"name":"sepal_width","shape":[1],"datatype":"FP32","data":[3.5]},{"name":"petal_length","shape":[1],"datatype":"FP32","data":[1.4]},{"name":"petal_width","shape":[1],"datatype":"FP32","data":[0.2]}]}""";
        var handler = _harness.Get<InferenceProtocolHandler>();

        var routed = await _harness.InvokeAsync(r => handler.InferAsync(r, "iris", null, CancellationToken.None), Request);
        var pinned = await _harness.InvokeAsync(r => handler.InferAsync(r, "iris", "1", CancellationToken.None), Request);

        Assert.Equal(("2", "2"), (routed.Json.GetProperty("model_version").GetString(), routed.Header("x-model-version")));
        Assert.Equal("1", pinned.Json.GetProperty("model_version").GetString());
        Assert.NotNull(_harness.Get<PredictionLog>().FindRecent("iris", "oip-1"));
    }

    private Task<HandlerHarness.Response> PredictAsync(string json, string? routingKey = null, string? requestId = null)
    {
        var headers = new Dictionary<string, string>();
        if (routingKey is not null)
        {
            headers[TrafficDefaults.RoutingKeyHeader] = routingKey;
        }

        if (requestId is not null)
        {
            headers[PredictionHandler.RequestIdHeader] = requestId;
        }

        return _harness.InvokeAsync(r => _harness.Get<PredictionHandler>().PredictAsync(r, "iris", null, CancellationToken.None), json, headers);
    }

    private Task<HandlerHarness.Response> PostFeedbackAsync(string json) =>
        _harness.InvokeAsync(r => _harness.Get<FeedbackHandler>().PostAsync(r, "iris", CancellationToken.None), json);

    private async Task<HandlerHarness.Response> PutTrafficAsync(string json, string? ifMatch = null, bool expectSuccess = true)
    {
        var headers = new Dictionary<string, string>();
        if (ifMatch is not null)
        {
            headers["If-Match"] = ifMatch;
        }

        var response = await _harness.InvokeAsync(r => _harness.Get<TrafficHandler>().PutAsync(r, "iris", CancellationToken.None), json, headers);
        if (expectSuccess)
        {
            Assert.True(response.Status == StatusCodes.Status200OK, response.Body);
        }

        return response;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "timed out waiting for the shadow workers");
            await Task.Delay(10);
        }
    }
}
