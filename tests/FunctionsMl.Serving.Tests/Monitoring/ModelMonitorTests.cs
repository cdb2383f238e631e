using System.Diagnostics.Metrics;
using System.Text.Json;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using FunctionsMl.Serving.Tests.Traffic;
using FunctionsMl.Serving.Traffic;

namespace FunctionsMl.Serving.Tests.Monitoring;

public sealed class ModelMonitorTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly ServedModel _iris = new("iris", "1", TestModels.Iris);

    [Fact]
    public void GetStats_KnownLatencies_PercentilesWithinTheHistogramError()
    {
        var sut = CreateSut();
        var row = Rows(TestModels.SetosaRow);

        // 1, 2, ..., 100 ms, recorded out of order.
        foreach (var ms in Enumerable.Range(1, 100).OrderBy(i => (i * 37) % 101))
        {
            sut.RecordSuccess(_iris, row, Score(row), TimeSpan.FromMilliseconds(ms));
        }

        var latency = sut.GetStats("iris").Versions.Single().Latency;

        // Nearest rank: p50 is the 50th smallest (50 ms), p95 the 95th, p99 the 99th; buckets are within 4.9%.
        Assert.InRange(latency.P50Ms!.Value, 50 / 1.05, 50 * 1.05);
        Assert.InRange(latency.P95Ms!.Value, 95 / 1.05, 95 * 1.05);
        Assert.InRange(latency.P99Ms!.Value, 99 / 1.05, 99 * 1.05);
        Assert.Equal(50.5, latency.MeanMs!.Value, 9);
        Assert.Equal(100, latency.MaxMs!.Value, 9);
    }

    [Fact]
    public void GetStats_SuccessesAndFailures_CountsRequestsErrorsAndRows()
    {
        var sut = CreateSut();
        var batch = Rows($$"""{"instances": [{{TestModels.SetosaRow}}, {{TestModels.VirginicaRow}}, {{TestModels.SetosaRow}}]}""");
        var one = Rows(TestModels.VirginicaRow);

        sut.RecordSuccess(_iris, batch, Score(batch), TimeSpan.FromMilliseconds(2));
        sut.RecordSuccess(_iris, one, Score(one), TimeSpan.FromMilliseconds(2));
        sut.RecordFailure("iris", _iris, TimeSpan.FromMilliseconds(1));
        sut.RecordFailure("iris", null, TimeSpan.FromMilliseconds(1));

        var stats = sut.GetStats("iris").Versions.Single();
        Assert.Equal(("1", 3L, 1L, 4L), (stats.Version, stats.Requests, stats.Errors, stats.Rows));

        // Class shares of the predicted labels: 2 setosa, 2 virginica.
        Assert.Equal(0.5, stats.Predictions.ClassShares!["setosa"], 9);
        Assert.Equal(0.5, stats.Predictions.ClassShares["virginica"], 9);
        Assert.Equal(0, stats.Predictions.ClassShares["versicolor"], 9);
    }

    [Fact]
    public void GetStats_Regression_ReportsValueQuantiles()
    {
        var sut = CreateSut();
        var diabetes = new ServedModel("diabetes", "4", TestModels.Diabetes);
        var rows = Rows($$"""{"instances": [{{string.Join(",", Enumerable.Repeat(TestModels.DiabetesRow, 100))}}]}""");
        var outputs = Enumerable.Range(1, 100).Select(i => (float)(i * 10)).ToArray();

        sut.RecordSuccess(diabetes, rows, outputs, TimeSpan.FromMilliseconds(1));

        var quantiles = sut.GetStats("diabetes").Versions.Single().Predictions.ValueQuantiles!;
        Assert.InRange(quantiles["p50"], 500 / 1.05, 500 * 1.05);
        Assert.InRange(quantiles["p05"], 50 / 1.05, 50 * 1.05);
        Assert.InRange(quantiles["p95"], 950 / 1.05, 950 * 1.05);
    }

    [Fact]
    public void GetStats_AfterTheWindow_ForgetsOldBuckets()
    {
        var sut = CreateSut(new MonitoringOptions { BucketDuration = TimeSpan.FromMinutes(1), WindowBuckets = 15 });
        var row = Rows(TestModels.SetosaRow);
        sut.RecordSuccess(_iris, row, Score(row), TimeSpan.FromMilliseconds(1));
        _time.Advance(TimeSpan.FromMinutes(10));
        sut.RecordSuccess(_iris, row, Score(row), TimeSpan.FromMilliseconds(1));

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(2, sut.GetStats("iris").Versions.Single().Requests);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, sut.GetStats("iris").Versions.Single().Requests);

        // The slot of minute 0 comes round again at minute 15 and starts from zero.
        sut.RecordSuccess(_iris, row, Score(row), TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, sut.GetStats("iris").Versions.Single().Requests);

        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Empty(sut.GetStats("iris").Versions);
    }

    [Fact]
    public void GetStats_Window_StartsAtTheOldestBucket()
    {
        var sut = CreateSut(new MonitoringOptions { BucketDuration = TimeSpan.FromMinutes(1), WindowBuckets = 15 });
        _time.Advance(TimeSpan.FromMinutes(20.5));

        var stats = sut.GetStats("iris");

        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMinutes(14.5), stats.From);
        Assert.Equal(60, stats.BucketSeconds);
    }

    [Fact]
    public void RecordSuccess_NewVersion_LetsGoOfVersionsIdleForAWholeWindow()
    {
        var sut = CreateSut();
        var row = Rows(TestModels.SetosaRow);
        sut.RecordSuccess(_iris, row, Score(row), TimeSpan.FromMilliseconds(1));
        sut.OnlineOf(_iris).AddClass(correct: true, 0.9);

        _time.Advance(TimeSpan.FromMinutes(16));
        sut.RecordSuccess(new ServedModel("iris", "2", TestModels.Iris), row, Score(row), TimeSpan.FromMilliseconds(1));

        Assert.Equal(["2"], sut.GetStats("iris").Versions.Select(v => v.Version));
        Assert.Empty(sut.GetOnlineMetrics("iris"));
    }

    [Fact]
    public void Observer_TimesARequestWithTheInjectedClock()
    {
        var sut = CreateSut();
        var store = new InMemoryObjectStore(_time);
        var observer = new PredictionObserver(sut, new PredictionLog(store, sut, _time), new ShadowDispatcher(new FakeResolver(), sut), _time);
        var row = Rows(TestModels.SetosaRow);

        var started = observer.Start();
        _time.Advance(TimeSpan.FromMilliseconds(25));
        observer.Succeeded(new RouteDecision(_iris, null, false), "req-1", JsonDocument.Parse(TestModels.SetosaRow).RootElement, row, Score(row), started, false);
        started = observer.Start();
        _time.Advance(TimeSpan.FromMilliseconds(5));
        observer.Failed("iris", _iris, started);

        var latency = sut.GetStats("iris").Versions.Single().Latency;
        Assert.Equal((25.0, 15.0), (latency.MaxMs, latency.MeanMs));
        Assert.Equal(1, sut.GetStats("iris").Versions.Single().Errors);
    }

    [Fact]
    public void GetStats_Disabled_RecordsNothing()
    {
        var sut = CreateSut(new MonitoringOptions { Enabled = false });
        var row = Rows(TestModels.SetosaRow);

        sut.RecordSuccess(_iris, row, Score(row), TimeSpan.FromMilliseconds(1));

        Assert.Empty(sut.GetStats("iris").Versions);
    }

    [Fact]
    public async Task RecordSuccess_ManyThreads_LosesNoCount()
    {
        var sut = CreateSut();
        var row = Rows(TestModels.SetosaRow);
        var outputs = Score(row);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                sut.RecordSuccess(_iris, row, outputs, TimeSpan.FromMilliseconds(1));
            }
        })));

        var stats = sut.GetStats("iris").Versions.Single();
        Assert.Equal(40_000, stats.Requests);
        Assert.Equal(1.0, stats.Predictions.ClassShares!["setosa"], 12);
    }

    [Fact]
    public void RecordSuccess_AfterWarmUp_AllocatesNothing()
    {
        var sut = CreateSut();
        var row = Rows(TestModels.SetosaRow);
        var outputs = Score(row);
        var policy = new TrafficPolicy([new("production", 90), new("staging", 10)], [new("3", 10)]);
        var compiled = new CompiledTrafficPolicy("iris", policy, 1, "\"e\"");
        void Serve()
        {
            var bucket = TrafficRouter.BucketOf(compiled, "0f8fad5b-d9cb-469f-a165-70867728950e", "customer-42", default);
            _ = compiled.TargetOf(bucket);
            _ = compiled.Shadows[0].Takes("0f8fad5b-d9cb-469f-a165-70867728950e");
            sut.RecordSuccess(_iris, row, outputs, TimeSpan.FromMilliseconds(1));
        }

        for (var i = 0; i < 100; i++)
        {
            Serve();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Serve();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void RecordSuccess_EmitsMetricsWithModelAndVersionTags()
    {
        using var metrics = new ServingMetrics();
        var sut = new ModelMonitor(new MonitoringOptions(), _time, metrics);
        var seen = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen.Add((instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => seen.Add((instrument.Name, value, ToDictionary(tags))));
        listener.Start();
        var rows = Rows($$"""{"instances": [{{TestModels.SetosaRow}}, {{TestModels.VirginicaRow}}]}""");

        sut.RecordSuccess(_iris, rows, Score(rows), TimeSpan.FromMilliseconds(7));
        sut.RecordFailure("iris", _iris, TimeSpan.FromMilliseconds(3));
        listener.RecordObservableInstruments();

        Assert.Equal("FunctionsMl", metrics.Meter.Name);
        var requests = seen.Where(m => m.Instrument == "functionsml.predictions").ToList();
        Assert.Equal(["success", "error"], requests.Select(m => m.Tags["outcome"]));
        Assert.All(requests, m => Assert.Equal(("iris", "1"), ((string?)m.Tags["model"], (string?)m.Tags["version"])));
        Assert.Equal(2, seen.Single(m => m.Instrument == "functionsml.prediction.rows").Value);
        Assert.Equal([7.0, 3.0], seen.Where(m => m.Instrument == "functionsml.prediction.duration").Select(m => m.Value));
        Assert.Contains(seen, m => m.Instrument == "functionsml.drift.psi" && (string?)m.Tags["version"] == "1");
    }

    private ModelMonitor CreateSut(MonitoringOptions? options = null) => new(options ?? new MonitoringOptions(), _time, new ServingMetrics());

    private static PredictionRows Rows(string json) => PredictionRows.From(JsonDocument.Parse(json).RootElement, 1000);

    private static float[] Score(PredictionRows rows) => RowScorer.Score(TestModels.Iris, rows, allowUnknownFields: false);

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
