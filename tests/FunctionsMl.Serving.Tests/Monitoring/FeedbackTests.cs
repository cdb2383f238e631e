using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using FunctionsMl.Serving.Tests.Traffic;

namespace FunctionsMl.Serving.Tests.Monitoring;

public sealed class FeedbackTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryObjectStore _store;
    private readonly FakeResolver _resolver = new FakeResolver()
        .Serve("production", "1", TestModels.Iris)
        .Serve("production", "4", TestModels.Diabetes, "diabetes");

    private readonly ModelMonitor _monitor;
    private readonly PredictionLog _log;
    private readonly FeedbackService _sut;

    public FeedbackTests()
    {
        _store = new InMemoryObjectStore(_time);
        _monitor = new ModelMonitor(new MonitoringOptions(), _time, new ServingMetrics());
        _log = new PredictionLog(_store, _monitor, _time);
        _sut = new FeedbackService(_log, _resolver, _monitor, _store, _time);
    }

    [Fact]
    public async Task SubmitAsync_Labels_JoinThePredictionsAndUpdateOnlineAccuracy()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        Predict("iris", "1", TestModels.Iris, "req-2", TestModels.VirginicaRow);

        var right = await SubmitAsync("iris", "req-1", "\"setosa\"");
        var wrong = await SubmitAsync("iris", "req-2", "\"versicolor\"");

        Assert.Equal(new FeedbackRowResult("req-1", 0, "1", "setosa", "setosa", true, null), right.Results.Single());
        Assert.Equal(new FeedbackRowResult("req-2", 0, "1", "virginica", "versicolor", false, null), wrong.Results.Single());
        var online = _monitor.GetStats("iris").Versions.Single().Online!;
        Assert.Equal((2L, 0.5), (online.Count, online.Accuracy));
        Assert.True(online.LogLoss > 0);
    }

    [Fact]
    public async Task SubmitAsync_Regression_UpdatesOnlineError()
    {
        var outputs = Predict("diabetes", "4", TestModels.Diabetes, "d-1", TestModels.DiabetesRow);

        var result = await SubmitAsync("diabetes", "d-1", "100");

        var row = result.Results.Single();
        Assert.Equal(outputs[0] - 100, row.Error!.Value, 4);
        var online = _monitor.GetOnlineMetrics("diabetes").Single();
        Assert.Equal(Math.Abs(outputs[0] - 100), online.Mae!.Value, 4);
        Assert.Equal(Math.Abs(outputs[0] - 100), online.Rmse!.Value, 4);
        Assert.Null(online.Accuracy);
    }

    [Fact]
    public async Task SubmitAsync_RowOfABatch_JoinsThatRow()
    {
        Predict("iris", "1", TestModels.Iris, "batch-1", $$"""{"instances": [{{TestModels.SetosaRow}}, {{TestModels.VirginicaRow}}]}""");

        var result = await _sut.SubmitAsync("iris", [new FeedbackItem("batch-1", 1, Json("\"virginica\""))], isBatch: false);

        Assert.Equal(("virginica", true), (result.Results.Single().Predicted, result.Results.Single().Correct));
    }

    [Fact]
    public async Task SubmitAsync_UnknownRequestId_Is404NamingIt()
    {
        var error = await Assert.ThrowsAsync<FeedbackException>(() => SubmitAsync("iris", "never-seen", "\"setosa\""));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains("'never-seen'", error.Message);
    }

    [Theory]
    [InlineData("iris", "{\"a\": 1}", "an object")]
    [InlineData("iris", "null", "null")]
    [InlineData("iris", "\"tulip\"", "'tulip' is not a class")]
    [InlineData("diabetes", "\"100\"", "must be a number")]
    public async Task SubmitAsync_LabelOfTheWrongTypeOrClass_Is400NamingLabel(string model, string label, string expected)
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        Predict("diabetes", "4", TestModels.Diabetes, "req-1", TestModels.DiabetesRow);

        var error = await Assert.ThrowsAsync<FeedbackException>(() => SubmitAsync(model, "req-1", label));

        Assert.Equal(400, error.StatusCode);
        Assert.Contains(expected, error.Errors!["label"][0]);
        Assert.Empty(_monitor.GetOnlineMetrics(model));
    }

    [Fact]
    public async Task SubmitAsync_BatchWithOneBadItem_AppliesNothingAndNamesTheItem()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        Predict("iris", "1", TestModels.Iris, "req-2", TestModels.SetosaRow);

        var error = await Assert.ThrowsAsync<FeedbackException>(() => _sut.SubmitAsync("iris",
            [new FeedbackItem("req-1", 0, Json("\"setosa\"")), new FeedbackItem("req-2", 3, Json("\"setosa\""))], isBatch: true));

        Assert.Equal(400, error.StatusCode);
        Assert.Contains("[1].row", error.Errors!.Keys);
        Assert.Empty(_monitor.GetOnlineMetrics("iris"));
    }

    [Fact]
    public async Task SubmitAsync_Twice_Is409AndCountedOnce()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        await SubmitAsync("iris", "req-1", "\"setosa\"");

        var error = await Assert.ThrowsAsync<FeedbackException>(() => SubmitAsync("iris", "req-1", "\"versicolor\""));

        Assert.Equal(409, error.StatusCode);
        Assert.Equal(1, _monitor.GetOnlineMetrics("iris").Single().Count);
    }

    [Fact]
    public async Task FlushAsync_WritesTheLabelledRowAsTrainingDataTheEngineReads()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        Predict("iris", "1", TestModels.Iris, "req-2", TestModels.VirginicaRow);
        await SubmitAsync("iris", "req-1", "\"setosa\"");
        await SubmitAsync("iris", "req-2", "\"virginica\"");

        await _sut.FlushAsync();

        var file = Assert.Single(await ListAsync("training/iris/"));
        Assert.StartsWith("training/iris/feedback-2030-01-01-", file);
        Assert.EndsWith(".jsonl", file);
        var content = (await _store.ReadAsync(file))!.Content.ToArray();
        var lines = Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("""{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2,"species":"setosa"}""", lines[0]);

        // The engine reads it as a table with the training data's columns.
        var path = Path.Combine(Path.GetTempPath(), $"feedback-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllBytesAsync(path, content);
        try
        {
            var table = DataLoader.Load(path);
            Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"], table.Columns.Select(c => c.Name));
            Assert.Equal(2, table.RowCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task FlushAsync_CancelledMidWrite_KeepsEveryLineForTheNextFlush()
    {
        var hooked = new Retraining.HookedObjectStore(_store);
        var sut = new FeedbackService(_log, _resolver, _monitor, hooked, _time);
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        await sut.SubmitAsync("iris", [new FeedbackItem("req-1", 0, Json("\"setosa\""))], isBatch: false);

        // The host stops while the training rows are being written.
        hooked.Once("write", p => p.StartsWith("training/", StringComparison.Ordinal), () => Task.FromException(new OperationCanceledException()));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.FlushAsync());
        Assert.Empty(await ListAsync("training/iris/"));

        await sut.FlushAsync();

        var file = Assert.Single(await ListAsync("training/iris/"));
        Assert.Contains("\"species\":\"setosa\"", Encoding.UTF8.GetString((await _store.ReadAsync(file))!.Content.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlushAsync_WritesTheJoinedFeedbackThatTheReaderTurnsIntoOnlineMetrics()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.SetosaRow);
        Predict("iris", "1", TestModels.Iris, "req-2", TestModels.VirginicaRow);
        Predict("iris", "1", TestModels.Iris, "req-3", TestModels.VirginicaRow);
        await SubmitAsync("iris", "req-1", "\"setosa\"");
        await SubmitAsync("iris", "req-2", "\"virginica\"");
        await SubmitAsync("iris", "req-3", "\"setosa\"");
        await _sut.FlushAsync();

        var online = await OnlineMetricsReader.ReadAsync(_store, "iris", "1", _time.GetUtcNow().AddDays(-1));

        Assert.Equal(3, online.Count);
        Assert.Equal(2 / 3.0, online.Accuracy!.Value, 9);
        Assert.Equal(_monitor.GetOnlineMetrics("iris").Single().LogLoss!.Value, online.LogLoss!.Value, 6);
        Assert.Equal(0, (await OnlineMetricsReader.ReadAsync(_store, "iris", "2", _time.GetUtcNow().AddDays(-1))).Count);
    }

    [Fact]
    public async Task SubmitAsync_AfterARestart_FindsThePredictionInTheStoredLog()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.VirginicaRow);
        await _log.FlushAsync();
        var logged = Assert.Single(await ListAsync("logs/iris/predictions/"));
        Assert.StartsWith("logs/iris/predictions/2030-01-01/", logged);

        // Another instance (or this one after a restart): empty memory, same store.
        var monitor = new ModelMonitor(new MonitoringOptions(), _time, new ServingMetrics());
        var sut = new FeedbackService(new PredictionLog(_store, monitor, _time), _resolver, monitor, _store, _time);
        _time.Advance(TimeSpan.FromHours(30));

        var result = await sut.SubmitAsync("iris", [new FeedbackItem("req-1", 0, Json("\"virginica\""))], isBatch: false);

        Assert.Equal(("1", "virginica", true), (result.Results.Single().Version, result.Results.Single().Predicted, result.Results.Single().Correct));
    }

    [Fact]
    public async Task SubmitAsync_OlderThanTheLookback_IsNotFound()
    {
        Predict("iris", "1", TestModels.Iris, "req-1", TestModels.VirginicaRow);
        await _log.FlushAsync();
        var monitor = new ModelMonitor(new MonitoringOptions { FeedbackLookback = TimeSpan.FromDays(2) }, _time, new ServingMetrics());
        var sut = new FeedbackService(new PredictionLog(_store, monitor, _time), _resolver, monitor, _store, _time);
        _time.Advance(TimeSpan.FromDays(4));

        var error = await Assert.ThrowsAsync<FeedbackException>(() => sut.SubmitAsync("iris", [new FeedbackItem("req-1", 0, Json("\"virginica\""))], isBatch: false));

        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public void PredictionLog_SampleRate_LogsThatShareOfIdsTheSameOnEveryInstance()
    {
        var options = new MonitoringOptions { PredictionLogSampleRate = 0.25 };
        var first = new PredictionLog(_store, new ModelMonitor(options, _time, new ServingMetrics()), _time);
        var second = new PredictionLog(_store, new ModelMonitor(options, _time, new ServingMetrics()), _time);
        var ids = Enumerable.Range(0, 20_000).Select(i => $"request-{i}").ToList();

        var sampled = ids.Where(first.IsSampled).ToList();

        // 5,000 expected, σ ≈ 61; allow 4σ.
        Assert.InRange(sampled.Count, 5000 - 250, 5000 + 250);
        Assert.Equal(sampled, ids.Where(second.IsSampled));
    }

    [Fact]
    public void PredictionLog_BeyondCapacity_ForgetsTheOldestFromMemory()
    {
        var monitor = new ModelMonitor(new MonitoringOptions { PredictionLogCapacity = 3 }, _time, new ServingMetrics());
        var log = new PredictionLog(_store, monitor, _time);
        var served = new ServedModel("iris", "1", TestModels.Iris);

        for (var i = 1; i <= 5; i++)
        {
            Assert.True(log.TryLog(served, $"req-{i}", Encoding.UTF8.GetBytes(TestModels.SetosaRow), 1, new float[3]));
        }

        Assert.Null(log.FindRecent("iris", "req-1"));
        Assert.Null(log.FindRecent("iris", "req-2"));
        Assert.NotNull(log.FindRecent("iris", "req-5"));
        Assert.Equal(5, log.Pending);
    }

    [Fact]
    public void PredictionLog_MaxPerSecond_LogsAtMostThatManyEachSecond()
    {
        var monitor = new ModelMonitor(new MonitoringOptions { PredictionLogMaxPerSecond = 3 }, _time, new ServingMetrics());
        var log = new PredictionLog(_store, monitor, _time);
        var served = new ServedModel("iris", "1", TestModels.Iris);
        bool Log(int i) => log.TryLog(served, $"req-{i}", Encoding.UTF8.GetBytes(TestModels.SetosaRow), 1, new float[3]);

        var firstSecond = Enumerable.Range(0, 5).Select(Log).ToList();
        _time.Advance(TimeSpan.FromSeconds(1));
        var nextSecond = Enumerable.Range(5, 5).Select(Log).ToList();

        Assert.Equal([true, true, true, false, false], firstSecond);
        Assert.Equal([true, true, true, false, false], nextSecond);
        Assert.Equal(4, monitor.GetStats("iris").PredictionsNotLogged);
    }

    [Fact]
    public void PredictionLog_BodyOverTheLimit_IsNotLoggedButCounted()
    {
        var monitor = new ModelMonitor(new MonitoringOptions { PredictionLogMaxBodyBytes = 16 }, _time, new ServingMetrics());
        var log = new PredictionLog(_store, monitor, _time);

        var logged = log.TryLog(new ServedModel("iris", "1", TestModels.Iris), "req-1", Encoding.UTF8.GetBytes(TestModels.SetosaRow), 1, new float[3]);

        Assert.False(logged);
        Assert.Equal(1, monitor.GetStats("iris").PredictionsNotLogged);
    }

    private float[] Predict(string model, string version, Engine.Models.TrainedModel trained, string requestId, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var rows = PredictionRows.From(JsonDocument.Parse(body).RootElement, 100);
        var outputs = RowScorer.Score(trained, rows, allowUnknownFields: false);
        Assert.True(_log.TryLog(new ServedModel(model, version, trained), requestId, body, rows.Rows.Count, outputs));
        return outputs;
    }

    private Task<FeedbackResult> SubmitAsync(string model, string requestId, string label) =>
        _sut.SubmitAsync(model, [new FeedbackItem(requestId, 0, Json(label))], isBatch: false);

    private async Task<List<string>> ListAsync(string prefix)
    {
        var paths = new List<string>();
        await foreach (var info in _store.ListAsync(prefix))
        {
            paths.Add(info.Path);
        }

        return paths;
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
